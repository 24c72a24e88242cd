import { randomUUID } from 'node:crypto';
import { ArmError } from './arm';
import type { AsyncOperation } from './model';

export interface OperationUrls {
  /** Polled for `{"status": ...}`. */
  asyncOperation: string;
  /** Polled for 202 until done, then the result. */
  location: string;
}

/**
 * Long-running operations: each runs its work in the background and is polled as Resource Manager's
 * are. Compute and Network answer a PUT with 201 or 200 and an Azure-AsyncOperation header, and a
 * POST or DELETE with 202 and both headers; the operation's own URL answers its status, and the
 * Location URL 202 until it is done.
 */
export class Operations {
  private readonly operations = new Map<string, AsyncOperation>();

  constructor(
    private readonly base: () => string,
    private readonly subscription: string,
    private readonly retryAfterSeconds: () => number,
  ) {}

  start(namespace: string, location: string, apiVersion: string, work: () => Promise<void>): { operation: AsyncOperation; headers: Record<string, string> } {
    const id = randomUUID();
    const operation: AsyncOperation = { id, status: 'InProgress', startTime: new Date().toISOString(), done: Promise.resolve() };
    operation.done = work().then(
      () => {
        operation.status = 'Succeeded';
      },
      (err: unknown) => {
        operation.status = 'Failed';
        operation.error = err instanceof ArmError ? { code: err.code, message: err.message } : { code: 'InternalServerError', message: err instanceof Error ? err.message : String(err) };
      },
    ).finally(() => {
      operation.endTime = new Date().toISOString();
    });
    this.operations.set(id, operation);
    const path = `${this.base()}/subscriptions/${this.subscription}/providers/${namespace}/locations/${location}`;
    const urls: OperationUrls = {
      asyncOperation: `${path}/operations/${id}?api-version=${apiVersion}`,
      location: namespace === 'Microsoft.Network' ? `${path}/operationResults/${id}?api-version=${apiVersion}` : `${path}/operations/${id}?monitor=true&api-version=${apiVersion}`,
    };
    return { operation, headers: { 'Azure-AsyncOperation': urls.asyncOperation, Location: urls.location, 'Retry-After': String(this.retryAfterSeconds()) } };
  }

  /** A resource group deletion: Location only, on the subscription's operationresults. */
  startGroupDeletion(apiVersion: string, work: () => Promise<void>): { operation: AsyncOperation; headers: Record<string, string> } {
    const started = this.start('Microsoft.Resources', 'global', apiVersion, work);
    const location = `${this.base()}/subscriptions/${this.subscription}/operationresults/${started.operation.id}?api-version=${apiVersion}`;
    return { operation: started.operation, headers: { Location: location, 'Retry-After': String(this.retryAfterSeconds()) } };
  }

  /** GET of the operation's status URL. */
  status(id: string): { status: number; body: unknown; headers: Record<string, string> } {
    const operation = this.find(id);
    const body = { name: operation.id, status: operation.status, startTime: operation.startTime, ...(operation.endTime ? { endTime: operation.endTime } : {}), ...(operation.error ? { error: operation.error } : {}) };
    return { status: 200, body, headers: operation.status === 'InProgress' ? { 'Retry-After': String(this.retryAfterSeconds()) } : {} };
  }

  /** GET of the operation's Location URL: 202 while it runs, then 200 (or the failure as an error answer). */
  result(id: string, selfUrl: string): { status: number; body?: unknown; headers: Record<string, string> } {
    const operation = this.find(id);
    if (operation.status === 'InProgress') return { status: 202, headers: { Location: selfUrl, 'Retry-After': String(this.retryAfterSeconds()) } };
    if (operation.status === 'Failed') throw new ArmError(400, operation.error?.code ?? 'Failed', operation.error?.message ?? 'The operation failed.');
    return { status: 200, body: {}, headers: {} };
  }

  /** Waits for every operation started so far. */
  async settled(): Promise<void> {
    await Promise.all([...this.operations.values()].map((o) => o.done));
  }

  private find(id: string): AsyncOperation {
    const operation = this.operations.get(id);
    if (!operation) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' could not be found.`);
    return operation;
  }
}

import { dockerSelection } from './docker-config';
import { contextNameFor } from './machine-context';

/**
 * When two ways of choosing docker's engine meet, the docker CLI takes a non-empty DOCKER_HOST over
 * any context, and DOCKER_CONTEXT over config.json's current context. These name the cases where what
 * the user just asked for would be overridden, or would override something they set, so commands can
 * say so on stderr instead of leaving docker to talk to another engine without a word.
 */

const CLEAR_DOCKER_HOST = 'clear it with `eval "$(machine env --unset)"`';

/** `machine use`: what in this shell keeps plain `docker` off the context just made current. */
export function currentContextOverrides(env: NodeJS.ProcessEnv, context: string): string[] {
  const warnings: string[] = [];
  if (env.DOCKER_HOST) warnings.push(`DOCKER_HOST is set in this shell and overrides the current context "${context}": ${CLEAR_DOCKER_HOST}`);
  if (env.DOCKER_CONTEXT && env.DOCKER_CONTEXT !== context) {
    warnings.push(`DOCKER_CONTEXT=${env.DOCKER_CONTEXT} is set in this shell and overrides the current context "${context}": unset DOCKER_CONTEXT`);
  }
  return warnings;
}

/** `machine env --context`: the DOCKER_CONTEXT it prints has no effect while DOCKER_HOST is set. */
export function contextVariableOverrides(env: NodeJS.ProcessEnv): string[] {
  return env.DOCKER_HOST ? [`DOCKER_HOST is set in this shell and overrides DOCKER_CONTEXT: ${CLEAR_DOCKER_HOST} first`] : [];
}

/**
 * `machine env NAME`: the context the printed DOCKER_HOST will shadow, if one is chosen (by DOCKER_CONTEXT
 * or config.json) and it is not this machine's own, so the user knows which choice stops counting.
 */
export function contextsShadowedByDockerHost(env: NodeJS.ProcessEnv, currentContext: string | undefined, machineName: string): string[] {
  const selection = dockerSelection({ ...env, DOCKER_HOST: '' }, currentContext);
  if (selection.kind !== 'context' || selection.context === contextNameFor(machineName)) return [];
  const from = selection.source === 'DOCKER_CONTEXT' ? 'DOCKER_CONTEXT' : 'the current context';
  return [`the docker context "${selection.context}" (${from}) is overridden by the DOCKER_HOST printed here; \`machine env --context ${machineName}\` selects ${machineName} by context instead`];
}

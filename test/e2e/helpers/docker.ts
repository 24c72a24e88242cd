import { type RunResult, runShell } from './cli';

/**
 * Runs docker command lines against a machine's engine the way a user does, `eval "$(machine env
 * NAME)"`, but so that they can only ever reach that engine: a failing `machine env` ends the script
 * (a bare `eval "$(...)"` evaluates nothing and goes on), variables from the test's own environment
 * are dropped first, and before `script` runs, the engine docker reached must call itself NAME
 * (provisioning names the host after the machine, and dockerd reports the host name). Otherwise the
 * script exits 97 saying which engine answered.
 */
export const WRONG_ENGINE_EXIT = 97;

export function dockerOn(store: string, machineName: string, script: string, options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return runShell(
    store,
    `set -eu
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_MACHINE_NAME
env_script="$(machine env "$MACHINE_UNDER_TEST")"
eval "$env_script"
engine="$(docker info --format '{{.Name}}')"
if [ "$engine" != "$MACHINE_UNDER_TEST" ]; then
  echo "docker reached the engine \\"$engine\\", not the one of machine $MACHINE_UNDER_TEST" >&2
  exit ${WRONG_ENGINE_EXIT}
fi
${script}`,
    { ...options, env: { ...options.env, MACHINE_UNDER_TEST: machineName } },
  );
}

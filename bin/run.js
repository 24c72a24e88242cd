#!/usr/bin/env node
// Production entry: runs the compiled commands from dist/ using the oclif manifest.
// Global flags typed before the command (`machine -s DIR ls`) move after it first (src/cli/global-argv.ts).
// `machine env` in its plain forms skips loading oclif (see src/cli/fast-env.ts): it runs in shell
// prompts, where every millisecond shows; `machine docker` likewise. Anything they do not handle falls
// through to oclif.
'use strict';

const { moveGlobalFlagsAfterCommand } = require('../dist/src/cli/global-argv');

// oclif reads process.argv itself in places (help after a parse error), so the reordered words replace it.
process.argv = [...process.argv.slice(0, 2), ...moveGlobalFlagsAfterCommand(process.argv.slice(2))];
const argv = process.argv.slice(2);

function handleError(err) {
  return require('@oclif/core/handle').handle(err);
}

// A crash outside a command's own error handling (in a timer, a stray promise) is a bug like any
// other: the same words and exit code 10 as MachineCommand.catch gives it, not Node's raw stack.
process.on('uncaughtException', (err) => {
  const { toOclifError } = require('../dist/src/cli/base-command');
  const { isDebugEnabled } = require('../dist/src/util/debug');
  handleError(toOclifError(err, isDebugEnabled()));
});

/** Ends the process with its exit code once everything written to stdout and stderr is out. */
function exitWhenFlushed() {
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
}

function runOclif() {
  return require('@oclif/core').execute({ dir: __dirname, args: argv }).catch(handleError);
}

if (argv[0] === 'env') {
  require('../dist/src/cli/fast-env')
    .runFastEnv(argv.slice(1))
    .then((handled) => (handled ? undefined : runOclif()), runOclif);
} else if (argv[0] === 'docker') {
  // `machine docker NAME -- ARGS` wraps each docker command: the plain form skips oclif too (src/cli/fast-docker.ts).
  require('../dist/src/cli/fast-docker')
    .runFastDocker(argv.slice(1))
    .then((code) => (code === undefined ? runOclif() : (process.exitCode = code)), runOclif);
} else if (argv[0] === 'ls') {
  // `machine ls --cached` and `ls -q` answer from the store: the plain forms skip oclif (src/cli/listing/fast-ls.ts).
  // Once the listing is printed the command is done: a probe still in flight (an SSH banner wait, a
  // throttled cloud call) was given up at --timeout and shown as Timeout, and must not hold the process
  // open until its own timer ends.
  require('../dist/src/cli/listing/fast-ls')
    .runFastLs(argv.slice(1))
    .then((handled) => (handled ? undefined : runOclif()), runOclif)
    .then(exitWhenFlushed);
} else {
  runOclif();
}

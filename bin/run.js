#!/usr/bin/env node
// Production entry: runs the compiled commands from dist/ using the oclif manifest.
// `machine env` in its plain forms skips loading oclif (see src/cli/fast-env.ts): it runs in shell
// prompts, where every millisecond shows. Anything it does not handle falls through to oclif.
'use strict';

function runOclif() {
  const oclif = require('@oclif/core');
  return oclif.execute({ dir: __dirname }).catch(require('@oclif/core/handle'));
}

const argv = process.argv.slice(2);
if (argv[0] === 'env') {
  require('../dist/src/cli/fast-env')
    .runFastEnv(argv.slice(1))
    .then((handled) => (handled ? undefined : runOclif()), runOclif);
} else {
  runOclif();
}

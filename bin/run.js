#!/usr/bin/env node
// Production entry: runs the compiled commands from dist/ using the oclif manifest.
require('@oclif/core')
  .execute({ dir: __dirname })
  .catch(require('@oclif/core/handle'));

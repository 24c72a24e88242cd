#!/usr/bin/env node
// Development entry: same as run.js but oclif reports more (development mode).
const { moveGlobalFlagsAfterCommand } = require('../dist/src/cli/global-argv');

// oclif reads process.argv itself in places (help after a parse error), so the reordered words replace it.
process.argv = [...process.argv.slice(0, 2), ...moveGlobalFlagsAfterCommand(process.argv.slice(2))];

require('@oclif/core')
  .execute({ development: true, dir: __dirname, args: process.argv.slice(2) })
  .catch((err) => require('@oclif/core/handle').handle(err));

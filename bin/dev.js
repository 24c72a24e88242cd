#!/usr/bin/env node
// Development entry: same as run.js but oclif reports more (development mode).
require('@oclif/core')
  .execute({ development: true, dir: __dirname })
  .catch(require('@oclif/core/handle'));

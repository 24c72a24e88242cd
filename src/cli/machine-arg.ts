import { Args } from '@oclif/core';

/** The optional machine name most commands take; `default` is used when it is left out. */
export const machineNameArg = {
  name: Args.string({ description: 'machine name (default: the machine named "default")', required: false }),
};

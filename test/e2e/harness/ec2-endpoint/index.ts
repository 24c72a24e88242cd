export { type FakeEc2, type FakeEc2Options, startFakeEc2 } from './server';
export { inertBackend } from './backend';
export { lightHostBackend } from './light-host-backend';

import { renderSwarmTable } from '../../src/cli/swarm-listing';

describe('swarm ls table', () => {
  it('one aligned line per node: machine (or - for a node made elsewhere), short node id, leader marked, reachable yes/no', () => {
    const table = renderSwarmTable({
      clusterId: 'c1',
      manager: 'm1',
      nodes: [
        { machine: 'm1', nodeId: 'abcdef0123456789abcdef012', hostname: 'm1', role: 'manager', leader: true, availability: 'active', engineVersion: '27.3.1', state: 'ready', reachable: true },
        { nodeId: '0123456789abcdef012345678', hostname: 'elsewhere', role: 'worker', leader: false, availability: 'drain', engineVersion: '26.1.0', state: 'down', reachable: false },
      ],
    });
    expect(table.split('\n')).toEqual([
      'MACHINE   NODE ID        HOSTNAME    ROLE               AVAILABILITY   STATUS   ENGINE   REACHABLE',
      'm1        abcdef012345   m1          manager (leader)   active         ready    27.3.1   yes',
      '-         0123456789ab   elsewhere   worker             drain          down     26.1.0   no',
    ]);
  });
});

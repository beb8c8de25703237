/**
 * Browser media tests run their scenario again inside a private network namespace (`unshare -n`),
 * so no ICE candidate and no packet can leave the machine. The outer test re-runs its own file
 * there (without the runner, which would make it skip) and fails with the inner output if the
 * scenario failed; the inner run sees `IN_TEST_NETNS`.
 * @module
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** Whether this process is the scenario's run inside its namespace. */
export const IN_TEST_NETNS = process.env['FLINT_TEST_NETNS'] === '1';

/** What each kind of namespace holds before the scenario runs (a shell line ending in `exec "$@"`). */
export const NETNS_SETUP = {
  /** Loopback only: enough for peer-to-peer calls. */
  loopback: 'ip link set lo up && exec "$@"',
  /** Plus a veth with 127.0.0.2/32: Janus offers no candidate on a loopback interface. */
  janus: 'ip link set lo up && ip link add veth0 type veth peer name veth1 && ip addr add 127.0.0.2/32 dev veth0 && ip link set veth0 up && ip link set veth1 up && exec "$@"',
  /**
   * Plus a private 10.254.0.1 and a default route through the veth: Firefox offers no candidate on a
   * 127/8 address, nor without a default route. Both stay inside the namespace.
   */
  janusFirefox:
    'ip link set lo up && ip link add veth0 type veth peer name veth1 && ip addr add 127.0.0.2/32 dev veth0 && ip addr add 10.254.0.1/32 dev veth0 && ip link set veth0 up && ip link set veth1 up && ip route add default dev veth0 && exec "$@"',
  /**
   * Peer-to-peer calls with Firefox: loopback, plus a veth with a private 10.254.0.1 and a default
   * route through it, the only kind of address Firefox offers a candidate on. Stays in the namespace.
   */
  firefox:
    'ip link set lo up && ip link add veth0 type veth peer name veth1 && ip addr add 10.254.0.1/32 dev veth0 && ip link set veth0 up && ip link set veth1 up && ip route add default dev veth0 && exec "$@"',
} as const;

/** Runs `file` (a test file) again inside a new network namespace set up by `setup`, echoes its output, and asserts it passed. */
export function runInTestNetns(file: string, setup: keyof typeof NETNS_SETUP): void {
  const { NODE_TEST_CONTEXT: _runner, ...env } = process.env;
  const run = spawnSync('unshare', ['-n', 'sh', '-c', NETNS_SETUP[setup], 'netns', process.execPath, '--import', 'tsx', '--test-reporter=spec', file], {
    env: { ...env, FLINT_TEST_NETNS: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${run.stdout}\n${run.stderr}`;
  process.stdout.write(output.replace(/^/gm, '    │ '));
  assert.equal(run.status, 0, 'the scenario failed inside its network namespace (its output is above)');
  assert.match(output, /ℹ pass [1-9]/, 'the scenario ran');
  assert.match(output, /ℹ fail 0/);
}

/**
 * Janus dies with `flint serve`, even when `flint serve` is killed with SIGKILL and has no chance to
 * stop it (issue 21: an orphaned Janus held its ports and a stale API secret). The CLI starts Janus
 * under util-linux's `setpriv --pdeathsig TERM`, so the kernel ends it. Here `flint serve` runs as a
 * real process with Janus; the test finds Janus among its children, kills the server, and waits for
 * Janus to be gone. Skipped, saying so, where Janus is not installed outside CI.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnFlint, until, type FlintProcess } from '@flint/testkit';

const janusInstalled = String(spawnSync('janus', ['-V']).stdout ?? '').includes('Janus version');
const skip = !janusInstalled && process.env['CI'] !== 'true' ? 'janus is not installed (apt-get install -y --no-install-recommends janus)' : false;

/** The pids whose parent is `ppid` and whose command is `comm`, from /proc. */
function childrenNamed(ppid: number, comm: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: the command may hold spaces, so split after its closing parenthesis.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppidOf = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppidOf === ppid && name === comm) found.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    // A zombie still has /proc; its state letter says it has ended.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe('flint serve and its Janus', { skip }, () => {
  let dir = '';
  let flint: FlintProcess | undefined;
  after(async () => {
    if (flint !== undefined) await flint.kill().catch(() => undefined);
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('MT-1: Janus does not outlive a flint serve killed with SIGKILL', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'flint-janus-orphan-'));
    flint = await spawnFlint(await freePort(), { FLINT_JANUS: 'auto', FLINT_KMS_DATA_DIR: join(dir, 'kms') }, ['--data', join(dir, 'data')]);
    const server = flint.child.pid!;
    const [janus] = await until('flint serve starts Janus', async () => {
      const pids = childrenNamed(server, 'janus');
      return pids.length > 0 ? pids : undefined;
    }, 60_000);
    assert.ok(alive(janus!), 'Janus runs');
    await flint.kill();
    flint = undefined;
    await until('Janus ends with its parent', async () => (alive(janus!) ? undefined : true), 15_000);
  });
});

/**
 * Ending the process so that it really ends. `process.exit()` joins libuv's thread pool, and a
 * thread stuck in a file-system call (a write to a pipe nobody reads, a dead network mount) never
 * returns: the process then stays alive for ever with its listener closed, as seen twice (issue
 * 14). So when such a request is pending — or when the shutdown deadline has passed, whatever is
 * pending — the process ends by SIGTERM's default action instead, which needs no thread's help
 * (exit status 143, "terminated").
 * @module
 */

/** Thread-pool requests that can block `process.exit()` for ever. */
const POOL_REQUESTS = new Set(['FSReqCallback', 'FSReqPromise', 'FileHandleCloseReq', 'GetAddrInfoReqWrap', 'GetNameInfoReqWrap']);

export function poolRequestsPending(): boolean {
  return process.getActiveResourcesInfo().some((r) => POOL_REQUESTS.has(r));
}

/** Ends the process with `code`, or by the default action of SIGTERM when exiting could hang. */
export function endProcess(code: number, options: { now?: boolean } = {}): void {
  if (options.now === true || poolRequestsPending()) {
    process.removeAllListeners('SIGTERM');
    process.removeAllListeners('SIGINT');
    process.kill(process.pid, 'SIGTERM');
    return;
  }
  process.exit(code);
}

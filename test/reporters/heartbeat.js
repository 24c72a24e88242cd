// A jest reporter that says when each test file starts and, every few minutes, which files are still
// running and for how long. The default reporter prints a file only once it has finished, so a run that
// is cut off (CI stops at its time limit) would otherwise end without naming the file that was slow.
// Plain CommonJS: jest requires reporters as they are, before any transform.

const HEARTBEAT_MS = Number(process.env.MACHINE_TEST_HEARTBEAT_MS ?? 180_000);
const EXIT_GRACE_MS = Number(process.env.MACHINE_TEST_EXIT_GRACE_MS ?? 60_000);

function clock(ms) {
  const total = Math.floor(ms / 1000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

class HeartbeatReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.runStartedAt = Date.now();
    /** test file path -> when it started */
    this.running = new Map();
    /** test file path -> the test in it that started last */
    this.currentTest = new Map();
    this.timer = undefined;
  }

  relative(file) {
    return file.startsWith(`${this.rootDir}/`) ? file.slice(this.rootDir.length + 1) : file;
  }

  say(text) {
    process.stderr.write(`[tests ${clock(Date.now() - this.runStartedAt)}] ${text}\n`);
  }

  onRunStart(results) {
    this.runStartedAt = Date.now();
    this.say(`${results.numTotalTestSuites} test files to run`);
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    // Never the reason the process stays alive.
    this.timer.unref();
  }

  beat() {
    if (this.running.size === 0) return;
    const now = Date.now();
    const files = [...this.running].map(([file, startedAt]) => {
      const test = this.currentTest.get(file);
      const inTest = test ? `, in "${test.name}" for ${Math.round((now - test.startedAt) / 1000)} s` : '';
      return `${this.relative(file)} (${Math.round((now - startedAt) / 1000)} s${inTest})`;
    });
    this.say(`still running: ${files.join(', ')}`);
  }

  onTestFileStart(test) {
    this.running.set(test.path, Date.now());
    this.say(`start ${this.relative(test.path)}`);
  }

  onTestCaseStart(test, info) {
    this.currentTest.set(test.path, { name: info.fullName, startedAt: Date.now() });
  }

  onTestFileResult(test) {
    this.running.delete(test.path);
    this.currentTest.delete(test.path);
  }

  onRunComplete(_contexts, results) {
    clearInterval(this.timer);
    this.say('run complete');
    // Something a test left open (a socket, a child) would keep jest alive until CI's time limit, which
    // ends the run without a verdict. Name what is open, then end with the run's own result.
    const stuck = setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'Timeout');
      this.say(`jest has not exited ${EXIT_GRACE_MS / 1000} s after the run; still open: ${open.join(', ') || 'nothing visible'}`);
      process.exit(results.success ? 0 : 1);
    }, EXIT_GRACE_MS);
    stuck.unref();
  }
}

module.exports = HeartbeatReporter;

// A jest reporter that fails the run when a project named in MACHINE_TEST_REQUIRE_PROJECTS (comma-separated
// display names, e.g. "unit,e2e") ran no test file. Jest itself only complains when the whole run found no
// test, so a pattern that stopped matching one project's files (the end-to-end tests, say) would otherwise
// pass in silence. `npm test` sets the variable; a developer running a few files does not.
// Plain CommonJS: jest requires reporters as they are, before any transform.

class RequiredProjectsReporter {
  constructor() {
    this.required = (process.env.MACHINE_TEST_REQUIRE_PROJECTS ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    if (this.required.length === 0) return;
    const ran = new Map(this.required.map((name) => [name, 0]));
    for (const file of results.testResults) {
      const project = file.displayName?.name;
      const executed = file.numPassingTests + file.numFailingTests > 0;
      if (project !== undefined && ran.has(project) && executed) ran.set(project, ran.get(project) + 1);
    }
    const counts = [...ran].map(([name, files]) => `${name}: ${files} file(s)`).join(', ');
    process.stderr.write(`test files that ran a test, by project: ${counts}\n`);
    const empty = [...ran].filter(([, files]) => files === 0).map(([name]) => name);
    if (empty.length > 0) this.error = new Error(`the ${empty.join(' and ')} project(s) ran no test file; check jest.config.js testMatch and the test paths`);
  }

  getLastError() {
    return this.error;
  }
}

module.exports = RequiredProjectsReporter;

// Fetches Java artifacts and their runtime dependencies from Maven Central with Maven, once, into a
// cache folder: the Kafka broker's jars (scripts/kafka.mjs) and Apache Avro's, which the serde and
// testing packages run as a reference implementation. A `.complete` marker is written once every jar
// is in: a fetch that failed half-way is redone, a complete one is never fetched again.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Copies `dependencies` (`group:artifact:version`) and their runtime dependencies into `libs`, with a
 * throwaway pom in `pomDir`. Returns false when they were already there, true when fetched. Throws
 * an Error naming `what` with Maven's last lines when Maven is missing or fails.
 */
export function fetchMavenJars({ what, libs, pomDir, dependencies }) {
  if (existsSync(join(libs, '.complete'))) return false;
  mkdirSync(pomDir, { recursive: true });
  rmSync(libs, { recursive: true, force: true });
  const deps = dependencies
    .map((coordinates) => {
      const [g, a, v] = coordinates.split(':');
      return `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
    })
    .join('\n');
  writeFileSync(
    join(pomDir, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.rivulet</groupId><artifactId>jars</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`,
  );
  const run = spawnSync(
    'mvn',
    ['-B', '-q', '-f', join(pomDir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'],
    { encoding: 'utf8' },
  );
  if (run.error !== undefined) throw new Error(`Maven (mvn) is needed to fetch ${what}: ${run.error.message}`);
  if (run.status !== 0) {
    const tail = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`Maven could not fetch ${what}: ${tail}`);
  }
  writeFileSync(join(libs, '.complete'), new Date().toISOString());
  return true;
}

/** Types for scripts/maven-jars.mjs. */
export declare function fetchMavenJars(options: { what: string; libs: string; pomDir: string; dependencies: readonly string[] }): boolean;

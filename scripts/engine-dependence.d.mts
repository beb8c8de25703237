/** See engine-dependence.mjs: undefined when `testFile`'s run does not depend on the storage engine, else the import chain to a module that reads an engine variable. */
export function engineDependence(root: string, testFile: string): string[] | undefined;

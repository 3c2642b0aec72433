// Re-exports only. Filled in as the package is built (see README.md).
export {};

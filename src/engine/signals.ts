// Process signals and the libraries that hook them.

/** Loads a module and removes the listeners for `signal` that loading it added. */
export async function withoutNewListeners<T>(signal: NodeJS.Signals, load: () => Promise<T>): Promise<T> {
  const before = new Set(process.listeners(signal));
  try {
    return await load();
  } finally {
    for (const listener of process.listeners(signal)) if (!before.has(listener)) process.off(signal, listener);
  }
}

package dev.ren.kv;

/** The shared backend contract on the default (Caffeine) backend. */
class CaffeineKvBackendContractTest extends KvBackendContract {

  @Override
  protected KvBackend newBackend(long maxEntries, long maxTotalBytes) {
    return new CaffeineKvBackend(-1, new StoreBudget(maxEntries, maxTotalBytes), null, null, null, null);
  }

  @Override
  protected long weight(KvKey key, int jsonLength) {
    return StoreBudget.weight(key, jsonLength);
  }
}

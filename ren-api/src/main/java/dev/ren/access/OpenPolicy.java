package dev.ren.access;

/** {@link AccessPolicy#open()}. Thread-safety: stateless. */
enum OpenPolicy implements AccessPolicy {
  INSTANCE;

  @Override
  public boolean allows(RenCaller caller, RenOperation operation, RenResource resource) {
    return true;
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public String toString() {
    return "AccessPolicy.open()";
  }
}

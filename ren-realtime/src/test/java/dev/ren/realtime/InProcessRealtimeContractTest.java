package dev.ren.realtime;

/** The realtime contract on the default, in-process state. */
class InProcessRealtimeContractTest extends RealtimeContract {

  @Override
  protected Realtime.Builder configure(Realtime.Builder b) {
    return b;
  }
}

package dev.ren.storage;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Child-JVM writer for {@link KillDuringWriteTest}: {@code stall <root> <key>} streams an endless upload and
 * says "WRITING" once a MiB is in; {@code loop <root> <key>} rewrites the key with whole 1 MiB versions forever,
 * saying "VERSION n" after each.
 */
public final class KillDuringWriteMain {
  public static void main(String[] args) throws Exception {
    BlobStore store = BlobStore.fileSystem(Path.of(args[1]), e -> "0");
    if (args[0].equals("stall")) {
      InputStream endless = new InputStream() {
        long n;

        @Override
        public int read() {
          return 'n';
        }

        @Override
        public int read(byte[] b, int off, int len) {
          Arrays.fill(b, off, off + len, (byte) 'n');
          n += len;
          if (n > (1 << 20)) {
            System.out.println("WRITING");
            System.out.flush();
            try {
              Thread.sleep(5);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return len;
        }
      };
      store.put(args[2], endless, "text/plain", Map.of());
    } else {
      byte[] data = new byte[1 << 20];
      for (int v = 0; ; v++) {
        Arrays.fill(data, (byte) ('a' + v % 26));
        store.put(args[2], new java.io.ByteArrayInputStream(data), "text/plain", Map.of("v", Integer.toString(v)));
        System.out.println("VERSION " + v);
        System.out.flush();
      }
    }
  }
}

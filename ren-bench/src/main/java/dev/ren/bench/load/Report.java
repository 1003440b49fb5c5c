package dev.ren.bench.load;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes a run's results: {@code <date>.md}, {@code <date>.csv}, {@code <date>.png} and {@code latest.md} (a copy of
 * the newest table) under the results folder. Ratios are REN / peer, measured in the same run.
 *
 * <p>Thread-safety: stateless.
 */
final class Report {

  private Report() {}

  static void write(LoadClient c) throws IOException {
    Files.createDirectories(c.outDir);
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    String stamp = now.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'"));
    List<LoadClient.Result> rs = c.results;
    List<String> systems = new ArrayList<>(c.systems.keySet());

    StringBuilder md = new StringBuilder();
    md.append("# REN load benchmark — ").append(now.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)).append(" UTC\n\n");
    md.append("- Machine: ").append(machine()).append('\n');
    md.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append("; server flags `")
        .append(String.join(" ", c.jvmFlags)).append("` (identical for every system)\n");
    md.append("- Client: one JVM, ").append(c.threads).append(" NIO selector thread(s), raw HTTP/1.1 over loopback, "
        + "every SSE frame de-chunked and parsed; client and servers share the machine's cores\n");
    md.append("- Mode: ").append(c.quick ? "quick (short windows, for development)" : "full").append("; fan-out ")
        .append(c.fanoutSeconds).append(" s, latency/slow ").append(c.latencySeconds).append(" s, idle ")
        .append(c.idleConns).append(" streams held ").append(c.idleHoldSeconds).append(" s, mutation ")
        .append(c.mutationSeconds).append(" s per phase; ").append(c.subscribers).append(" subscribers, ")
        .append(c.size).append("-byte events\n");
    md.append("- Systems: ");
    for (String s : systems) {
      md.append(c.systems.get(s).label()).append(" (`").append(s).append("`) ");
    }
    md.append("\n\n");

    Set<String> scenarios = new LinkedHashSet<>();
    rs.forEach(r -> scenarios.add(r.scenario()));
    for (String sc : scenarios) {
      md.append("## ").append(title(sc)).append("\n\n");
      List<String> present = new ArrayList<>();
      for (String s : systems) {
        if (rs.stream().anyMatch(r -> r.scenario().equals(sc) && r.system().equals(s))) {
          present.add(s);
        }
      }
      md.append("| metric |");
      present.forEach(s -> md.append(' ').append(c.systems.get(s).label()).append(" |"));
      boolean ratios = present.contains("ren") && present.size() > 1;
      if (ratios) {
        present.stream().filter(s -> !s.equals("ren"))
            .forEach(s -> md.append(" REN / ").append(c.systems.get(s).label()).append(" |"));
      }
      md.append("\n|---|");
      present.forEach(s -> md.append("---:|"));
      if (ratios) {
        present.stream().filter(s -> !s.equals("ren")).forEach(s -> md.append("---:|"));
      }
      md.append('\n');
      Map<String, String> units = new LinkedHashMap<>();
      rs.stream().filter(r -> r.scenario().equals(sc)).forEach(r -> units.putIfAbsent(r.metric(), r.unit()));
      for (Map.Entry<String, String> m : units.entrySet()) {
        md.append("| ").append(m.getKey()).append(m.getValue().isEmpty() ? "" : " (" + m.getValue() + ")")
            .append(" |");
        for (String s : present) {
          Double v = value(rs, sc, s, m.getKey());
          md.append(' ').append(v == null ? "—" : fmt(v)).append(" |");
        }
        if (ratios) {
          Double ren = value(rs, sc, "ren", m.getKey());
          for (String s : present) {
            if (s.equals("ren")) {
              continue;
            }
            Double v = value(rs, sc, s, m.getKey());
            md.append(' ').append(ren == null || v == null || v == 0 ? "—"
                : String.format(Locale.ROOT, "%.2f×", ren / v)).append(" |");
          }
        }
        md.append('\n');
      }
      md.append('\n');
    }

    md.append("## Targets (REN)\n\n| target | measured | met |\n|---|---|:---:|\n");
    targets(rs, md);
    md.append("\n![chart](").append(stamp).append(".png)\n");

    Path mdFile = c.outDir.resolve(stamp + ".md");
    Files.writeString(mdFile, md.toString(), StandardCharsets.UTF_8);
    Files.writeString(c.outDir.resolve("latest.md"), md.toString().replace("](" + stamp + ".png)",
        "](" + stamp + ".png)"), StandardCharsets.UTF_8);

    StringBuilder csv = new StringBuilder("scenario,system,metric,value,unit\n");
    for (LoadClient.Result r : rs) {
      csv.append(r.scenario()).append(',').append(r.system()).append(",\"").append(r.metric()).append("\",")
          .append(String.format(Locale.ROOT, "%.3f", r.value())).append(',').append(r.unit()).append('\n');
    }
    Files.writeString(c.outDir.resolve(stamp + ".csv"), csv.toString(), StandardCharsets.UTF_8);
    chart(c, c.outDir.resolve(stamp + ".png"));
    System.out.println("\n" + md);
    System.out.println("written " + mdFile + " (+ .csv, .png, latest.md)");
  }

  private static void targets(List<LoadClient.Result> rs, StringBuilder md) {
    Double fan = value(rs, "fanout", "ren", "deliveries/s");
    if (fan != null) {
      double best = 0;
      for (String p : List.of("spring", "jetty")) {
        Double v = value(rs, "fanout", p, "deliveries/s");
        if (v != null) {
          best = Math.max(best, v);
        }
      }
      row(md, "fan-out ≥ 1,000,000 deliveries/s", fmt(fan) + "/s", fan >= 1_000_000);
      if (best > 0) {
        row(md, "fan-out ≥ 5× the best peer", String.format(Locale.ROOT, "%.2f×", fan / best), fan / best >= 5);
      }
    }
    Double p50 = value(rs, "latency", "ren", "p50");
    Double p99 = value(rs, "latency", "ren", "p99");
    if (p50 != null && p99 != null) {
      row(md, "latency p50 ≤ 1 ms", fmt(p50) + " ms", p50 <= 1);
      row(md, "latency p99 ≤ 5 ms", fmt(p99) + " ms", p99 <= 5);
      Double f50 = value(rs, "latency", "raw", "p50");
      Double f99 = value(rs, "latency", "raw", "p99");
      if (f50 != null && f99 != null) {
        md.append("| (the raw NIO floor, same run: one `write` per event per stream, no framework) | p50 ")
            .append(fmt(f50)).append(" ms, p99 ").append(fmt(f99)).append(" ms | — |\n");
      }
    }
    int metUpTo = 0;
    int tried = 0;
    for (LoadClient.Result r : rs) {
      if (r.scenario().equals("sweep") && r.system().equals("ren") && r.metric().startsWith("p50 at ")) {
        String n = r.metric().substring("p50 at ".length());
        Double s99 = value(rs, "sweep", "ren", "p99 at " + n);
        int streams = Integer.parseInt(n.substring(0, n.indexOf(' ')));
        tried = Math.max(tried, streams);
        if (r.value() <= 1 && s99 != null && s99 <= 5) {
          metUpTo = Math.max(metUpTo, streams);
        }
      }
    }
    if (tried > 0) {
      md.append("| (sweep: the latency targets hold at up to) | ")
          .append(metUpTo == 0 ? "none of the counts tried" : fmt((double) metUpTo) + " streams")
          .append(" of up to ").append(fmt((double) tried)).append(" | — |\n");
    }
    Double heap = value(rs, "idle", "ren", "heap per stream");
    Double held = value(rs, "idle", "ren", "streams held");
    Double threads = value(rs, "idle", "ren", "threads added");
    if (heap != null) {
      row(md, "idle streams held with ≤ 8 KiB heap each", fmt(held) + " held, " + fmt(heap) + " B each",
          heap <= 8192);
      row(md, "no thread per stream", fmt(threads) + " threads added for " + fmt(held) + " streams",
          threads != null && held != null && threads < held / 100);
    }
    Double sp99 = value(rs, "slow", "ren", "healthy p99");
    if (sp99 != null && p99 != null) {
      row(md, "5 % stalled readers: healthy p99 within 2× of (b)", fmt(sp99) + " ms vs " + fmt(p99) + " ms",
          sp99 <= 2 * Math.max(p99, 0.001));
      Double h0 = value(rs, "slow", "ren", "heap after GC, start");
      Double h1 = value(rs, "slow", "ren", "heap after GC, end");
      if (h0 != null && h1 != null) {
        row(md, "heap flat with stalled readers", fmt(h0) + " → " + fmt(h1) + " MiB after GC", h1 - h0 < 16);
      }
    }
    Double cost = value(rs, "mutation", "ren", "emitting cost with no subscriber");
    if (cost != null) {
      Double lo = value(rs, "mutation", "ren", "emitting cost, lowest round of 4");
      Double hi = value(rs, "mutation", "ren", "emitting cost, highest round of 4");
      row(md, "emitting costs the mutation path ≤ 10 % (emitting on vs off, no subscriber)",
          fmt(cost) + " % fewer puts/s" + (lo == null || hi == null ? "" : " (rounds " + fmt(lo) + " to " + fmt(hi)
              + " %)"), cost <= 10);
    }
    Double kept = value(rs, "mutation", "ren", "throughput kept");
    if (kept != null) {
      row(md, "with 1,000 subscribers the mutation path keeps ≥ 90 % (their deliveries share the 2 cores)",
          fmt(kept) + " % of puts/s kept", kept >= 90);
    }
  }

  private static void row(StringBuilder md, String target, String measured, boolean met) {
    md.append("| ").append(target).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**")
        .append(" |\n");
  }

  static Double value(List<LoadClient.Result> rs, String sc, String sys, String metric) {
    for (LoadClient.Result r : rs) {
      if (r.scenario().equals(sc) && r.system().equals(sys) && r.metric().equals(metric)) {
        return r.value();
      }
    }
    return null;
  }

  static String fmt(Double v) {
    if (v == null) {
      return "—";
    }
    double a = Math.abs(v);
    if (a >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static String title(String sc) {
    return switch (sc) {
      case "fanout" -> "(a) Fan-out: events published as fast as the server accepts";
      case "latency" -> "(b) Latency: 100 events/s";
      case "sweep" -> "(b′) Latency by number of streams: 100 events/s";
      case "idle" -> "(c) Idle streams with heartbeats";
      case "slow" -> "(d) Slow readers: (b) with 5 % of streams that stop reading";
      case "mutation" -> "(e) Mutation path: KV PUTs over HTTP, without and with subscribers";
      default -> sc;
    };
  }

  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          cpu = l.substring(l.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    long memGiB = 0;
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          memGiB = Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024;
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + memGiB + " GiB, "
        + System.getProperty("os.name") + " " + System.getProperty("os.version");
  }

  // ------------------------------------------------------------------------------------------------ chart

  private static final Color[] COLORS = {new Color(0x2E7D32), new Color(0x1565C0), new Color(0xEF6C00),
      new Color(0x757575)};

  static void chart(LoadClient c, Path file) throws IOException {
    List<String> systems = new ArrayList<>(c.systems.keySet());
    int w = 1200;
    int h = 520;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    g.drawString("REN vs peers — same run, same client, loopback, " + Runtime.getRuntime().availableProcessors()
        + " cores", 20, 28);
    // legend
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    int lx = 20;
    for (int i = 0; i < systems.size(); i++) {
      g.setColor(COLORS[i % COLORS.length]);
      g.fillRect(lx, 42, 14, 14);
      g.setColor(Color.BLACK);
      String label = c.systems.get(systems.get(i)).label();
      g.drawString(label, lx + 20, 54);
      lx += 40 + g.getFontMetrics().stringWidth(label);
    }
    List<List<Double>> fan = new ArrayList<>();
    for (String s : systems) {
      fan.add(List.of(nz(value(c.results, "fanout", s, "deliveries/s"))));
    }
    panel(g, 20, 80, 300, 400, "(a) fan-out deliveries/s", List.of(""), fan, false, "");
    List<String> pct = List.of("p50", "p99", "p99.9");
    List<List<Double>> lat = new ArrayList<>();
    List<List<Double>> slow = new ArrayList<>();
    for (String s : systems) {
      List<Double> l = new ArrayList<>();
      List<Double> sl = new ArrayList<>();
      for (String p : pct) {
        l.add(nz(value(c.results, "latency", s, p)));
        sl.add(nz(value(c.results, "slow", s, "healthy " + p)));
      }
      lat.add(l);
      slow.add(sl);
    }
    panel(g, 360, 80, 400, 400, "(b) latency, 100 events/s (ms, log)", pct, lat, true, " ms");
    panel(g, 790, 80, 400, 400, "(d) healthy latency, 5% stalled (ms, log)", pct, slow, true, " ms");
    g.setColor(Color.DARK_GRAY);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.drawString("delivered share of the 100 events/s (latency only counts what arrived): " + shares(c, "latency")
        + "  |  with stalled readers: " + shares(c, "slow"), 20, h - 12);
    g.dispose();
    ImageIO.write(img, "png", file.toFile());
  }

  private static String shares(LoadClient c, String sc) {
    StringBuilder sb = new StringBuilder();
    for (String s : c.systems.keySet()) {
      Double v = value(c.results, sc, s, "delivered share");
      if (v != null) {
        sb.append(sb.length() == 0 ? "" : ", ").append(s).append(' ').append(String.format(Locale.ROOT, "%.0f%%", v));
      }
    }
    return sb.toString();
  }

  private static double nz(Double d) {
    return d == null ? 0 : d;
  }

  /** Grouped bars: groups along x, one bar per system in each group. */
  private static void panel(Graphics2D g, int x, int y, int w, int h, String title, List<String> groups,
      List<List<Double>> values, boolean log, String unit) {
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    g.drawString(title, x, y);
    int top = y + 30;
    int bottom = y + h - 30;
    int left = x + 10;
    int right = x + w - 10;
    double max = 0;
    double min = Double.MAX_VALUE;
    for (List<Double> l : values) {
      for (double v : l) {
        max = Math.max(max, v);
        if (v > 0) {
          min = Math.min(min, v);
        }
      }
    }
    if (max <= 0) {
      g.drawString("no data", left, top + 20);
      return;
    }
    double lo = log ? Math.pow(10, Math.floor(Math.log10(min))) : 0;
    double hi = log ? Math.pow(10, Math.ceil(Math.log10(max * 1.01))) : max * 1.15;
    g.setStroke(new BasicStroke(1));
    g.setColor(new Color(0xDDDDDD));
    if (log) {
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
      for (double t = lo; t <= hi * 1.001; t *= 10) {
        int ty = yOf(t, lo, hi, log, top, bottom);
        g.setColor(new Color(0xDDDDDD));
        g.drawLine(left, ty, right, ty);
        g.setColor(Color.GRAY);
        g.drawString(fmt(t), left, ty - 2);
      }
    }
    g.setColor(Color.BLACK);
    g.drawLine(left, bottom, right, bottom);
    int nGroups = groups.size();
    int nSys = values.size();
    double groupW = (right - left) / (double) nGroups;
    double barW = groupW * 0.8 / nSys;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    for (int gi = 0; gi < nGroups; gi++) {
      double gx = left + gi * groupW + groupW * 0.1;
      for (int si = 0; si < nSys; si++) {
        double v = values.get(si).get(gi);
        int bx = (int) (gx + si * barW);
        int by = v > 0 ? yOf(v, lo, hi, log, top, bottom) : bottom;
        g.setColor(COLORS[si % COLORS.length]);
        g.fillRect(bx, by, (int) barW - 4, bottom - by);
        g.setColor(Color.BLACK);
        String label = fmt(v) + unit;
        int lw = g.getFontMetrics().stringWidth(label);
        g.drawString(label, bx + (int) (barW - 4 - lw) / 2, by - 3);
      }
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
      g.drawString(groups.get(gi), (int) (gx + groupW * 0.4 - 10), bottom + 16);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    }
  }

  private static int yOf(double v, double lo, double hi, boolean log, int top, int bottom) {
    double f = log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
        : v / hi;
    return (int) (bottom - f * (bottom - top));
  }
}

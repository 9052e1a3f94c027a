import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import org.nvr.index.FootageQueries;

/**
 * Query time of listing one camera's day, as {@code footage list} runs it: the first (cold) call of a
 * fresh process and the median of 50 more. Usage: QueryBench DB CAMERA DAY_START_EPOCH_MS
 */
public class QueryBench {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        String camera = args[1];
        Instant from = Instant.ofEpochMilli(Long.parseLong(args[2]));
        Instant to = from.plusSeconds(86_400);
        try (FootageQueries q = FootageQueries.open(db)) {
            long t0 = System.nanoTime();
            int rows = q.segments(camera, from, to).size();
            double first = (System.nanoTime() - t0) / 1e6;
            double[] ms = new double[50];
            for (int i = 0; i < ms.length; i++) {
                long t = System.nanoTime();
                q.segments(camera, from, to);
                ms[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(ms);
            long t1 = System.nanoTime();
            q.lastFootageEnd(camera);
            double last = (System.nanoTime() - t1) / 1e6;
            System.out.printf("list one camera's day: %d rows; query %.2f ms first, %.2f ms median, %.2f ms max"
                    + " (lastFootageEnd %.2f ms)%n", rows, first, ms[ms.length / 2], ms[ms.length - 1], last);
        }
    }
}

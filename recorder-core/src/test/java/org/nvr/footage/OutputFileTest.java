package org.nvr.footage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Claiming and publishing an export with its manifest: all of it or none of it, one writer per name. */
class OutputFileTest {
    @TempDir
    Path dir;

    private List<String> names() throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aManifestThatCannotBeWrittenLeavesNoExport() throws Exception {
        Path out = dir.resolve("case.mp4");
        try (OutputFile claimed = OutputFile.claim(out, dir.resolve("storage"), false, ".json")) {
            claimed.write(out, "video".getBytes(StandardCharsets.US_ASCII));
            claimed.write(dir.resolve("case.mp4.json"), "{}".getBytes(StandardCharsets.US_ASCII));
            Files.createDirectory(dir.resolve("case.mp4.json")); // the manifest's name taken while exporting
            OutputFile.RefusedException e = assertThrows(OutputFile.RefusedException.class, claimed::publish);
            assertEquals(OutputFile.Refusal.IS_DIRECTORY, e.refusal());
            assertFalse(Files.exists(out));
        }
        assertEquals(List.of("case.mp4.json"), names(), "no export, no temporary file, no lock left");
    }

    @Test
    void oneClaimPerNameAtATime() throws Exception {
        Path out = dir.resolve("case.mp4");
        try (OutputFile first = OutputFile.claim(out, dir.resolve("storage"), true, ".json")) {
            OutputFile.RefusedException e = assertThrows(OutputFile.RefusedException.class,
                    () -> OutputFile.claim(out, dir.resolve("storage"), true, ".json"));
            assertEquals(OutputFile.Refusal.BUSY, e.refusal());
            first.write(out, new byte[] {1});
            first.write(first.companions().get(0), new byte[] {2});
            first.publish();
        }
        assertEquals(List.of("case.mp4", "case.mp4.json"), names());
        // published without --overwrite: the next claim of the name is refused
        OutputFile.RefusedException e = assertThrows(OutputFile.RefusedException.class,
                () -> OutputFile.claim(out, dir.resolve("storage"), false, ".json"));
        assertEquals(OutputFile.Refusal.EXISTS, e.refusal());
        try (OutputFile again = OutputFile.claim(out, dir.resolve("storage"), true, ".json")) {
            assertEquals(dir.toRealPath().resolve("case.mp4"), again.file());
        }
    }

    @Test
    void aLockFileLinkedToAnotherFileIsNeverWritten() throws Exception {
        Path precious = Files.writeString(dir.resolve("index.db"), "the index");
        Files.createLink(dir.resolve(".case.mp4.lock"), precious);
        OutputFile.RefusedException e = assertThrows(OutputFile.RefusedException.class,
                () -> OutputFile.claim(dir.resolve("case.mp4"), dir.resolve("storage"), true, ".json"));
        assertEquals(OutputFile.Refusal.NOT_REGULAR, e.refusal());
        assertEquals("the index", Files.readString(precious));
    }
}

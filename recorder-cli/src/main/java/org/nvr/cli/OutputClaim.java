package org.nvr.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import org.nvr.config.NvrConfig;
import org.nvr.footage.OutputFile;

/**
 * Claims the file an export or a snapshot writes ({@link OutputFile}) and turns a refusal into the
 * operator's one-line error: exit 2 for a place that may not be written, exit 1 when another export
 * holds the name.
 */
final class OutputClaim {
    private OutputClaim() {
    }

    static OutputFile claim(Texts t, Path output, NvrConfig config, boolean overwrite, String... companions) {
        Path out = output.toAbsolutePath().normalize();
        try {
            return OutputFile.claim(out, config.storage().root(), overwrite, companions);
        } catch (OutputFile.RefusedException e) {
            String option = "--output";
            throw switch (e.refusal()) {
                case NO_DIRECTORY -> UserError.usage(t.get("error.outputDir", option, e.path()));
                case IS_DIRECTORY -> UserError.usage(t.get("error.outputIsDir", option, e.path()));
                case EXISTS -> UserError.usage(t.get("error.outputExists", option, e.path()));
                case NOT_REGULAR -> UserError.usage(t.get("error.outputNotRegular", option, e.path()));
                case INSIDE_STORAGE -> UserError.usage(t.get("error.outputInStorage", option, e.path(),
                        config.storage().root()));
                case BUSY -> UserError.failed(t.get("error.outputBusy", option, e.path()));
            };
        } catch (AccessDeniedException e) {
            throw UserError.usage(t.get("error.outputDir", "--output", out.getParent()));
        } catch (IOException e) {
            throw UserError.failed(t.get("error.export", out, e.getMessage()));
        }
    }
}

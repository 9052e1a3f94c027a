package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvSubstitutionTest {
    private static final Map<String, String> ENV = Map.of("USER", "admin", "PASS", "s3cr3t", "EMPTY", "",
            "LOOP", "${USER}");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            plain                       | plain
            ${USER}                     | admin
            ${USER}:${PASS}@cam         | admin:s3cr3t@cam
            a${EMPTY}b                  | ab
            $${USER}                    | ${USER}
            cost $5                     | cost $5
            $$                          | $$
            ${LOOP}                     | ${USER}
            """)
    void substitutes(String raw, String expected) {
        assertEquals(expected, EnvSubstitution.apply(raw, ENV).value());
    }

    @Test
    void remembersWhereEachVariableWasUsed() {
        EnvSubstitution.Result result = EnvSubstitution.apply("rtsp://${USER}:${PASS}@cam", ENV);
        assertEquals(List.of(new EnvSubstitution.Use("USER", 7, 14, "admin"),
                new EnvSubstitution.Use("PASS", 15, 22, "s3cr3t")), result.uses());
        assertTrue(result.substituted());
        assertFalse(EnvSubstitution.apply("rtsp://cam", ENV).substituted());
    }

    @Test
    void missingVariableIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EnvSubstitution.apply("${USER}:${CAM01_PASS}", ENV));
        assertEquals("missing environment variable CAM01_PASS", e.getMessage());
    }

    @Test
    void malformedReferencesAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> EnvSubstitution.apply("${USER", ENV));
        assertThrows(IllegalArgumentException.class, () -> EnvSubstitution.apply("${}", ENV));
        assertThrows(IllegalArgumentException.class, () -> EnvSubstitution.apply("${1A}", ENV));
        assertThrows(IllegalArgumentException.class, () -> EnvSubstitution.apply("${A-B}", ENV));
    }
}

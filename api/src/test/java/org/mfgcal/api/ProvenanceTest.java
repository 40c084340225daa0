package org.mfgcal.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one code version is the git commit of the build, read independently here from git itself. */
class ProvenanceTest {

    @Test
    void codeVersion_insideGitCheckout_isTheCommitOfHead() throws Exception {
        String head = git("rev-parse", "--short=12", "HEAD");
        assumeTrue(head != null, "git or a git checkout is not available");
        String v = Provenance.runningCodeVersion();
        assertTrue(v.matches("mfgcal \\S+ git [0-9a-f]{12}(-dirty)?"), v); // not "dev", not "unknown"
        // The build wrote the commit; a commit made after the build (and before this test) would differ, so compare
        // with HEAD only when the build is of the present HEAD, else at least with an existing commit.
        String built = v.substring(v.lastIndexOf(' ') + 1).replace("-dirty", "");
        String resolved = git("rev-parse", "--short=12", built + "^{commit}");
        assertEquals(built, resolved, "code version names a commit of this repository: " + v);
    }

    @Test
    void ofRun_carriesTheCodeVersionAndTheGivenFieldsInOrder() {
        Map<String, Object> p = Provenance.ofRun(Map.of("k", 1), List.of(7L), "abc");
        assertEquals(List.of("config", "seeds", "data_sha256", "code_version", "created", "java"),
                List.copyOf(p.keySet()));
        assertEquals(Provenance.runningCodeVersion(), p.get("code_version"));
        assertEquals(List.of(7L), p.get("seeds"));
        assertEquals("abc", p.get("data_sha256"));
    }

    /** Output of {@code git args} in the module directory, or null when git fails. */
    private static String git(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "git";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(Path.of(".").toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            return null;
        }
        return new String(out, StandardCharsets.UTF_8).trim();
    }
}

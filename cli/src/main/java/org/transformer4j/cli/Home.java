package org.transformer4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The transformer4j installation directory (the repository root that holds the launcher and the bundled data), so
 * that default paths such as {@code data/tinyshakespeare.txt} work from any current directory.
 */
final class Home {
    private Home() {}

    /** -Dt4j.home, else the directory two levels above the running jar (cli/target/t4j.jar), else the cwd. */
    static Path dir() {
        String prop = System.getProperty("t4j.home");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        try {
            Path jar = Path.of(Home.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent() == null ? null : jar.getParent().getParent();
            root = root == null ? null : root.getParent();
            if (root != null && Files.isDirectory(root.resolve("data"))) {
                return root;
            }
        } catch (Exception e) {
            // fall through: no code source (unusual class loader)
        }
        return Path.of("").toAbsolutePath();
    }

    /**
     * A path as the user would expect: absolute as is; relative to the current directory when it exists there;
     * else relative to the installation when it exists there (the bundled data); else relative to the current
     * directory (where it will be created).
     */
    static Path resolve(Path p) {
        if (p.isAbsolute() || Files.exists(p)) {
            return p;
        }
        Path inHome = dir().resolve(p);
        return Files.exists(inHome) ? inHome : p;
    }
}

package org.faultline.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.faultline.kernel.KernelProfile;
import org.faultline.kernel.Patch;
import org.faultline.kernel.Patches;
import org.junit.jupiter.api.Test;

/** The patch registry over every layer: declared where they act, read somewhere, possible sets only. */
class PatchesTest {
    private static String allMainSources() throws IOException {
        StringBuilder b = new StringBuilder();
        Path root = Path.of("..").toAbsolutePath().normalize();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/"))
                    .sorted().toList()) {
                if (!f.getFileName().toString().endsWith("Patch.java")) { // not the declarations
                    b.append(Files.readString(f)).append('\n');
                }
            }
        }
        return b.toString();
    }

    @Test
    void everyPatchHasASiteThatReadsIt() throws IOException {
        String src = allMainSources();
        List<String> unread = new ArrayList<>();
        for (java.util.Map.Entry<Patch, String> e : constants().entrySet()) {
            if (!src.contains("has(" + e.getValue() + ")")) {
                unread.add(e.getKey().id() + " (" + e.getValue() + ")");
            }
        }
        assertEquals(Patches.all().size(), constants().size(), "every registered patch is a layer's constant");
        assertEquals(List.of(), unread, "patches no kernel code asks k.has() about");
    }

    /** Each registered patch and the constant that holds it ("MmPatch.GUP_PIN_TRACKING"). */
    private static java.util.Map<Patch, String> constants() {
        java.util.Map<Patch, String> out = new java.util.LinkedHashMap<>();
        for (org.faultline.kernel.PatchProvider pp : java.util.ServiceLoader.load(org.faultline.kernel.PatchProvider.class)) {
            for (java.lang.reflect.Field f : pp.getClass().getFields()) {
                if (f.getType() == Patch.class) {
                    try {
                        out.put((Patch) f.get(null), pp.getClass().getSimpleName() + "." + f.getName());
                    } catch (IllegalAccessException ex) {
                        throw new IllegalStateException(ex);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void patchesAreDeclaredInTheLayerWhereTheyAct() {
        for (java.util.Map.Entry<Patch, String> e : constants().entrySet()) {
            Patch p = e.getKey();
            String pkg = e.getValue().startsWith("KernelPatch.") ? "org.faultline.kernel" : "elsewhere";
            assertFalse(pkg.equals("org.faultline.kernel") && !p.id().equals("page-wait-recheck"),
                    p.id() + " is declared in kernel/, which must name no layer above it");
            assertTrue(p.ref().commit() == null || p.ref().commit().matches("[0-9a-f]{12}"), p.id() + ": " + p.ref());
            assertTrue(p.ref().subject() != null && !p.ref().subject().isBlank(), p.id() + " has no subject");
            assertEquals(p.status() == Patch.Status.MERGED, p.since() != null, p.id() + ": merged iff it has a release");
        }
    }

    @Test
    void everyProfileDiffersFromTheOneBeforeIt() {
        List<KernelProfile> all = KernelProfile.builtIn();
        for (int i = 1; i < all.size(); i++) {
            assertNotEquals(all.get(i - 1).patches(), all.get(i).patches(), all.get(i).name() + " equals "
                    + all.get(i - 1).name() + ": make it an alias");
        }
        assertEquals(KernelProfile.byName("4.20").patches(), KernelProfile.byName("4.16").patches(), "an alias");
        assertEquals("4.16", KernelProfile.byName("4.16").name(), "an alias keeps the name the user gave");
    }

    @Test
    void anImpossibleSetIsRefusedInOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelProfile.byName("4.20").with(List.of("+dio-uses-pins")));
        assertEquals("patch dio-uses-pins requires gup-pin-tracking (add +gup-pin-tracking, or remove -dio-uses-pins)",
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KernelProfile.byName("6.6").with(List.of("-gup-pin-tracking")));
        assertTrue(e.getMessage().startsWith("patch dio-uses-pins requires gup-pin-tracking"), e.getMessage());
        KernelProfile ok = KernelProfile.byName("4.20").with(List.of("+gup-pin-tracking", "+dio-uses-pins"));
        assertTrue(ok.patches().stream().anyMatch(p -> p.id().equals("dio-uses-pins")));
        e = assertThrows(IllegalArgumentException.class, () -> KernelProfile.byName("6.6").with(List.of("+memcg-v2")));
        assertTrue(e.getMessage().startsWith("'memcg-v2' is configuration, not a patch: use "), e.getMessage());
    }
}

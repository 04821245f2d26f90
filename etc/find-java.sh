# Sourced by ./faultline and .ci/run: picks the JDK Faultline runs on and the flags it needs.
#
# Java 21 or later runs a controlled execution's tasks as virtual threads on one host thread
# (kernel/Cpu): exploration is several times faster than on Java 17, where each task is a platform
# thread. So the newest JDK of 21 or later is preferred among $JAVA_HOME, `java` on PATH and
# /usr/lib/jvm/*; Java 17 is accepted when nothing newer is installed.
#
# Sets FAULTLINE_JAVA_HOME (empty: the `java` on PATH), FAULTLINE_JAVA (the java binary),
# FAULTLINE_JAVA_MAJOR and the array FAULTLINE_JVM_FLAGS.

faultline_java_major() { # java binary -> feature version, or nothing
  "$1" -version 2>&1 | awk -F'"' '/version/ { v = $2; if (v ~ /^1\./) { split(v, a, "."); print a[2] } else { split(v, a, /[.+-]/); print a[1] }; exit }'
}

faultline_find_java() {
  local best="" bestv=0 c v
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for c in /usr/lib/jvm/*/bin/java; do [ -x "$c" ] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    [ -x "$c" ] || continue
    v="$(faultline_java_major "$c")"
    case "$v" in ''|*[!0-9]*) continue ;; esac
    if [ "$v" -gt "$bestv" ]; then best="$c"; bestv="$v"; fi
  done
  FAULTLINE_JAVA="$best"
  FAULTLINE_JAVA_MAJOR="$bestv"
  FAULTLINE_JAVA_HOME=""
  if [ -n "$best" ]; then
    FAULTLINE_JAVA_HOME="$(cd -P "$(dirname "$(readlink -f "$best")")/.." && pwd)"
  fi
  FAULTLINE_JVM_FLAGS=(--add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
                       --add-opens java.base/java.lang=ALL-UNNAMED --enable-native-access=ALL-UNNAMED)
  if [ "$bestv" -ge 23 ]; then
    FAULTLINE_JVM_FLAGS+=(--sun-misc-unsafe-memory-access=allow) # lmdbjava's buffers
  fi
}

# shellcheck shell=sh
# Reading back machine's dockerd drop-in (10-machine.conf), which configure-engine.sh sources.

# drop_in_flag_keys FILE: the daemon.json keys matching the dockerd flags that FILE's ExecStart= sets,
# one a line. The line is split into words as systemd does for what machine writes (blanks between
# words; "..." with backslash escapes), and each flag is read where a flag stands: the word after
# --label, -H and the other flags that take a separate value is that value, never a flag, so a label
# "note=a --debug=1" names labels and not debug.
drop_in_flag_keys() {
  awk '
    /^ExecStart=./ { line = substr($0, length("ExecStart=") + 1) }
    END {
      count = 0; word = ""; in_word = 0; quoted = 0
      for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (quoted) {
          if (c == "\\") { word = word substr(line, i + 1, 1); i++ }
          else if (c == "\"") quoted = 0
          else word = word c
        } else if (c == " " || c == "\t") {
          if (in_word) { words[++count] = word; word = ""; in_word = 0 }
        } else if (c == "\"") { quoted = 1; in_word = 1 }
        else { word = word c; in_word = 1 }
      }
      if (in_word) words[++count] = word
      # words[1] is dockerd itself.
      for (k = 2; k <= count; k++) {
        w = words[k]
        if (w == "--label") { print "labels"; k++ }
        else if (w == "--insecure-registry") { print "insecure-registries"; k++ }
        else if (w == "--registry-mirror") { print "registry-mirrors"; k++ }
        else if (w == "--storage-driver") { print "storage-driver"; k++ }
        else if (w == "-H" || w == "--tlscacert" || w == "--tlscert" || w == "--tlskey") k++
        else if (w ~ /^--[A-Za-z0-9][A-Za-z0-9.-]*(=|$)/) { sub(/^--/, "", w); sub(/=.*/, "", w); print w }
      }
    }' "$1" | sort -u
}

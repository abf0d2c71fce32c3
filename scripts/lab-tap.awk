# lab-tap.awk: count the test points of kselftest TAP files.
#   awk -v label=NAME -f lab-tap.awk FILE.tap...
# FILE.rc holds the program's exit status (missing: 0), FILE.err its stderr.
#   "ok N ..." passes, "not ok N ..." fails (its diagnostic, the "#" lines
#   since the previous point, is shown), either with "# SKIP" skips;
#   no test points: exit 4 = 1 skip (reason from the TAP or stderr),
#   other non-zero exit = 1 failure, exit 0 = 1 pass;
#   fewer points than the plan "1..N": each missing point fails;
#   non-zero exit other than 4 with no failing point: 1 more failure.
# Prints a line per failure or skipped program, then
# "<label>: P passed, F failed, S skipped" and last "TOTAL P F S".
function slurp(path,   line) {
	line = ""
	if ((getline line < path) <= 0) line = ""
	close(path)
	return line
}
function count(tap,   base, name, rc, line, points, plan, ff, why, n, nd, diag, i) {
	base = tap; sub(/\.tap$/, "", base)
	name = base; sub(/^(.*\/)?tap\//, "", name)
	if (label != "") name = label "/" name
	rc = slurp(base ".rc") + 0
	points = 0; plan = -1; ff = 0; why = ""
	nd = 0
	while ((getline line < tap) > 0) {
		if (line ~ /^#/) {
			diag[++nd] = line
			continue
		}
		if (line ~ /^1\.\.[0-9]+/) {
			plan = substr(line, 4) + 0
			if (match(line, /# *[Ss][Kk][Ii][Pp].*/)) why = substr(line, RSTART)
		} else if (line ~ /^(not )?ok( |$)/) {
			points++
			if (line ~ /# *[Ss][Kk][Ii][Pp]/) s++
			else if (line ~ /^ok/) p++
			else {
				f++; ff++; printf "  FAIL %s: %s\n", name, line
				for (i = 1; i <= nd && i <= 40; i++) printf "         %s\n", diag[i]
				if (nd > 40) printf "         # ... %d more lines in the TAP file\n", nd - 40
			}
			nd = 0
		}
	}
	close(tap)
	if (points == 0) {
		if (rc == 4) {
			if (why == "") why = slurp(base ".err")
			s++; printf "  SKIP %s: %s\n", name, (why == "" ? "exit 4" : why)
		} else if (rc != 0) {
			f++; ff++; printf "  FAIL %s: exit %d without test points\n", name, rc
		} else p++
	} else {
		if (plan > points) {
			n = plan - points; f += n; ff += n
			printf "  FAIL %s: %d of %d planned test points missing\n", name, n, plan
		}
		if (rc != 0 && rc != 4 && ff == 0) {
			f++; ff++; printf "  FAIL %s: exit %d\n", name, rc
		}
	}
	if (ff) printf "       (%s)\n", tap
}
BEGIN {
	for (i = 1; i < ARGC; i++) count(ARGV[i])
	printf "%s: %d passed, %d failed, %d skipped\n", (label == "" ? "total" : label), p, f, s
	printf "TOTAL %d %d %d\n", p, f, s
	exit
}

# lab-tap.awk: the strict verdict on the kselftest TAP files of one group.
#   awk -v label=NAME [-v list=tests.list] [-v expect="NAME..."] \
#       [-v allow=scripts/lab-skips.conf] -f lab-tap.awk FILE.tap...
#
# A TAP file's name is its path below a "tap/" directory without ".tap"
# (tap/api/chrdev.tap is "api/chrdev"). Beside it, FILE.rc holds the
# program's exit status and FILE.err its stderr.
#
# Every program that should have run must have left a TAP file: one per
# "SUITE PROGRAM" line of list (named SUITE/basename(PROGRAM)) and one per
# name in expect. A missing one is a failure.
#
# Each file is then judged, and nothing about it is assumed:
#   - no .rc, or an .rc that is not a number: the program never finished
#     (a guest that died mid-suite), 1 failure;
#   - an empty file, or one with no plan "1..N": truncated, 1 failure;
#   - more than one plan, or a plan between test points (TAP allows it
#     first or last only): 1 failure;
#   - a plan that disagrees with the points: each missing point fails,
#     extra points are 1 failure; points numbered out of sequence, 1 failure;
#   - "Bail out!": 1 failure;
#   - "ok ..." passes; "not ok ..." fails, with "# SKIP" or "# TODO" too;
#   - "ok ... # SKIP reason" and "1..0 # SKIP reason" (which must exit 4 and
#     have no point) skip only when the reason matches a pattern of the
#     allow file, the one list of what a lab kernel legitimately lacks;
#     otherwise they fail. "1..0" without a reason fails;
#   - the exit status must agree: 0, or 4 when it skipped; any other exit
#     with no failing point is 1 failure, and so is 4 without a skip.
# Prints a line per failure and per skip, then the allow-list patterns that
# matched, then "<label>: P passed, F failed, S skipped" and last
# "TOTAL P F S".
function slurp(path,   line, r) {
	line = ""
	r = (getline line < path)
	close(path)
	return r > 0 ? line : (r == 0 ? "" : "\001missing")
}
function fail(name, n, msg) {
	f += n; ff += n
	printf "  FAIL %s: %s\n", name, msg
}
function allowed(why,   i) {
	sub(/^# *[Ss][Kk][Ii][Pp]:? */, "", why)
	for (i = 1; i <= nallow; i++)
		if (why ~ allow_re[i]) { allow_hits[i]++; return i }
	return 0
}
function skip_point(name, why, msg,   i) {
	i = allowed(why)
	if (i) {
		s++; sf++
		printf "  SKIP %s: %s\n", name, msg
	} else
		fail(name, 1, msg " (SKIP reason not in " allow_file ")")
}
function count(tap,   base, name, rc, rcs, line, points, plan, nplans,
	       planat, midplan, skipall, why, num, bad_num, bail, n, lines, tail) {
	base = tap; sub(/\.tap$/, "", base)
	name = base; sub(/^(.*\/)?tap\//, "", name)
	seen[name] = 1
	if (label != "") name = label "/" name
	ff = 0; sf = 0
	rcs = slurp(base ".rc")
	rc = rcs + 0
	points = 0; plan = -1; nplans = 0; planat = -1; midplan = 0
	skipall = ""; bad_num = 0; bail = 0; lines = 0
	while ((getline line < tap) > 0) {
		lines++
		if (line ~ /^1\.\.[0-9]+/) {
			nplans++
			plan = substr(line, 4) + 0
			planat = points
			if (match(line, /# *[Ss][Kk][Ii][Pp].*/)) skipall = substr(line, RSTART)
		} else if (line ~ /^(not )?ok( |$)/) {
			if (planat > 0 && planat == points) midplan = 1
			points++
			tail = line; sub(/^(not )?ok */, "", tail)
			if (tail ~ /^[0-9]+/ && tail + 0 != points) bad_num++
			if (line ~ /^not ok/) {
				f++; ff++
				printf "  FAIL %s: %s\n", name, line
			} else if (match(line, /# *[Ss][Kk][Ii][Pp].*/)) {
				why = substr(line, RSTART)
				skip_point(name, why, line)
			} else if (line ~ /# *[Tt][Oo][Dd][Oo]/) {
				fail(name, 1, line " (TODO is not a pass)")
			} else p++
		} else if (line ~ /^Bail out!/) {
			bail = 1
		}
	}
	close(tap)

	if (rcs == "\001missing" || rcs !~ /^[0-9]+$/)
		fail(name, 1, "no exit status (" base ".rc): the program did not finish")
	if (lines == 0)
		fail(name, 1, "empty TAP: no output at all")
	else if (nplans == 0)
		fail(name, 1, "no plan 1..N: the output is truncated after " points " test points")
	else if (nplans > 1)
		fail(name, 1, nplans " plans in one TAP")
	else if (midplan)
		fail(name, 1, "the plan comes between test points")
	if (bail)
		fail(name, 1, "Bail out!")
	if (bad_num)
		fail(name, 1, bad_num " test points numbered out of sequence")
	if (nplans == 1 && plan == 0) {
		if (points > 0)
			fail(name, 1, "plan 1..0 but " points " test points")
		else if (skipall == "")
			fail(name, 1, "plan 1..0 without a SKIP reason")
		else if (rcs !~ /^[0-9]+$/)
			;	# failed above: a skip that did not finish is no skip
		else if (rc != 4)
			fail(name, 1, "1..0 " skipall " but exit " rc " (a skip exits 4)")
		else
			skip_point(name, skipall, "whole program: " skipall)
	} else if (nplans == 1) {
		if (plan > points)
			fail(name, plan - points, (plan - points) " of " plan " planned test points missing")
		else if (plan < points)
			fail(name, 1, points " test points, plan 1.." plan)
	}
	if (rcs ~ /^[0-9]+$/ && !(nplans == 1 && plan == 0)) {
		if (rc == 4 && sf == 0)
			fail(name, 1, "exit 4 (skip) without a skipped test point")
		else if (rc != 0 && rc != 4 && ff == 0)
			fail(name, 1, "exit " rc " without a failing test point")
	}
	if (ff) printf "       (%s)\n", tap
}
BEGIN {
	allow_file = (allow == "" ? "the allow-list" : allow)
	nallow = 0
	if (allow != "") {
		while ((r = (getline line < allow)) > 0) {
			if (line ~ /^[ \t]*(#|$)/) continue
			allow_re[++nallow] = line
		}
		close(allow)
		if (r < 0) {
			printf "  FAIL %s: cannot read the SKIP allow-list %s\n", label, allow
			f++
		}
	}
	for (i = 1; i < ARGC; i++) count(ARGV[i])
	if (list != "") {
		while ((r = (getline line < list)) > 0) {
			if (split(line, w, " ") < 2) continue
			n = split(w[2], parts, "/")
			want[w[1] "/" parts[n]] = 1
		}
		close(list)
		if (r < 0) {
			printf "  FAIL %s: cannot read the test list %s\n", label, list
			f++
		}
	}
	n = split(expect, ex, " ")
	for (i = 1; i <= n; i++) want[ex[i]] = 1
	for (w0 in want)
		if (!(w0 in seen)) {
			f++
			printf "  FAIL %s%s: no TAP at all: the program did not run\n",
				(label == "" ? "" : label "/"), w0
		}
	for (i = 1; i <= nallow; i++)
		if (allow_hits[i])
			printf "  allowed SKIP (%s): %d x /%s/\n", allow_file, allow_hits[i], allow_re[i]
	printf "%s: %d passed, %d failed, %d skipped\n", (label == "" ? "total" : label), p, f, s
	printf "TOTAL %d %d %d\n", p, f, s
	exit
}

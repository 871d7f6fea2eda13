# The per-round ratios and their median, for the back-to-back scripts (aot-vs-jit.sh, two-cores.sh,
# train-vs-pytorch.sh). Input: lines "round <TAB> side <TAB> row <TAB> microseconds"; each row's ratio per round is
# the time of side `num` over the time of side `den` (above 1: `den` is faster). Set num, den and title with -v.
BEGIN { FS = "\t" }
{ t[$1 SUBSEP $3 SUBSEP $2] = $4; if (!($3 in seen)) { seen[$3] = 1; rows[++n] = $3 } if ($1 > R) R = $1 }
END {
  printf "%-28s %s\n", "row", title " per round -> median";
  for (i = 1; i <= n; i++) {
    row = rows[i]; m = 0; line = "";
    for (r = 1; r <= R; r++) { q[++m] = t[r SUBSEP row SUBSEP num] / t[r SUBSEP row SUBSEP den]; line = line sprintf(" %.3f", q[m]) }
    for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (q[b] < q[a]) { x = q[a]; q[a] = q[b]; q[b] = x }
    med = (m % 2) ? q[(m + 1) / 2] : (q[m / 2] + q[m / 2 + 1]) / 2;
    printf "%-28s%s -> %.3f\n", row, line, med;
    delete q
  }
}

# Print what Praat reads from a TextGrid, one tab-separated record per line:
#   tier <TAB> class <TAB> name <TAB> count
#   interval <TAB> xmin <TAB> xmax <TAB> text      (or)   point <TAB> time <TAB> mark
form Dump a TextGrid
    sentence File a.TextGrid
endform
tg = Read from file: file$
n = Get number of tiers
start = Get start time
end = Get end time
writeInfoLine: "tiers", tab$, n, tab$, fixed$(start, 17), tab$, fixed$(end, 17)
for t to n
    name$ = Get tier name: t
    isInterval = Is interval tier: t
    if isInterval
        m = Get number of intervals: t
        appendInfoLine: "tier", tab$, "IntervalTier", tab$, name$, tab$, m
        for i to m
            x0 = Get start time of interval: t, i
            x1 = Get end time of interval: t, i
            text$ = Get label of interval: t, i
            appendInfoLine: "interval", tab$, fixed$(x0, 17), tab$, fixed$(x1, 17), tab$, text$
        endfor
    else
        m = Get number of points: t
        appendInfoLine: "tier", tab$, "TextTier", tab$, name$, tab$, m
        for i to m
            x = Get time of point: t, i
            mark$ = Get label of point: t, i
            appendInfoLine: "point", tab$, fixed$(x, 17), tab$, mark$
        endfor
    endif
endfor

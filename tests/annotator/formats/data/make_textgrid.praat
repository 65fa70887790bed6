# Let Praat itself write a TextGrid (long and short text format) for our reader to read.
form Make a TextGrid
    sentence Long long.TextGrid
    sentence Short short.TextGrid
endform
tg = Create TextGrid: 0, 2.5, "words tones", "tones"
Insert boundary: 1, 0.7
Insert boundary: 1, 1.3
Insert boundary: 1, 2.1
Set interval text: 1, 1, "  spaced  "
Set interval text: 1, 2, "naïve ""quoted"" ʃ"
Set interval text: 1, 4, "end"
Insert point: 2, 1.0, "H*"
Insert point: 2, 2.25, "L%"
Save as text file: long$
Save as short text file: short$

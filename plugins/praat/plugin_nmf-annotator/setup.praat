# nmf-annotator: pre-label Sounds with the NMF segmenter (speech, music, noise, overlap).
# Praat runs this file at start-up because its folder (plugin_nmf-annotator) lies in Praat's
# preferences folder; `annotator plugins install praat` puts it there.
Add action command: "Sound", 1, "", 0, "", 0, "Pre-label with NMF segmenter...", "", 0, "nmf_prelabel.praat"
Add action command: "LongSound", 1, "", 0, "", 0, "Pre-label with NMF segmenter...", "", 0, "nmf_prelabel.praat"
Add action command: "TextGrid", 1, "Sound", 1, "", 0, "Re-label with NMF segmenter...", "", 0, "nmf_relabel.praat"
Add action command: "TextGrid", 1, "LongSound", 1, "", 0, "Re-label with NMF segmenter...", "", 0, "nmf_relabel.praat"

# Shared by nmf_prelabel.praat and nmf_relabel.praat: run `annotator label` on a sound file
# and turn its failures into one clear message. Praat cannot pass arguments to a program
# without a shell, so every path is quoted for the shell in use (sh on Linux and macOS,
# cmd on Windows).

procedure nmf_quote: .text$
	if windows
		.quoted$ = """" + .text$ + """"
	else
		.q$ = unicode$ (39)
		.quoted$ = .q$ + replace$ (.text$, .q$, .q$ + "\" + .q$ + .q$, 0) + .q$
	endif
endproc

# The annotator command: `annotator plugins install praat` writes it to annotator-command.txt,
# one argument per line (the Python that has nmf-annotator, then -m annotator), so Praat finds
# it even when started from a desktop menu whose PATH lacks it; without that file, PATH decides.
procedure nmf_command
	.file$ = defaultDirectory$ + "/annotator-command.txt"
	.command$ = ""
	if fileReadable (.file$)
		.text$ = readFile$ (.file$)
		while length (.text$) > 0
			.end = index (.text$, newline$)
			if .end = 0
				.line$ = .text$
				.text$ = ""
			else
				.line$ = left$ (.text$, .end - 1)
				.text$ = mid$ (.text$, .end + 1, length (.text$))
			endif
			.line$ = replace$ (.line$, unicode$ (13), "", 0)
			if .line$ <> ""
				@nmf_quote: .line$
				.command$ = .command$ + nmf_quote.quoted$ + " "
			endif
		endwhile
	endif
	if .command$ = ""
		.command$ = "annotator "
	endif
endproc

# A folder for the temporary files: the system's, as Praat's own temporaryDirectory$ is the
# home folder on some systems.
procedure nmf_temp_folder
	.folder$ = environment$ ("TMPDIR")
	if .folder$ = "" and windows
		.folder$ = environment$ ("TEMP")
	endif
	if .folder$ = ""
		if windows
			.folder$ = temporaryDirectory$
		else
			.folder$ = "/tmp"
		endif
	endif
	if right$ (.folder$, 1) = "/" or right$ (.folder$, 1) = "\"
		.folder$ = left$ (.folder$, length (.folder$) - 1)
	endif
	.stem$ = "nmf-annotator-praat-" + string$ (randomInteger (1, 999999999))
endproc

# Runs `annotator label AUDIO --out FOLDER --format textgrid`, all output into .log$.
# Onsets of 0 leave the model's own thresholds in place.
procedure nmf_label: .audio$, .out_folder$, .model$, .speech, .music, .noise, .overlap, .log$
	@nmf_command
	.cmd$ = nmf_command.command$ + "label "
	@nmf_quote: .audio$
	.cmd$ = .cmd$ + nmf_quote.quoted$ + " --out "
	@nmf_quote: .out_folder$
	.cmd$ = .cmd$ + nmf_quote.quoted$ + " --format textgrid --force --quiet"
	if .model$ <> ""
		@nmf_quote: .model$
		.cmd$ = .cmd$ + " --model " + nmf_quote.quoted$
	endif
	if .speech > 0
		.cmd$ = .cmd$ + " --threshold speech=" + fixed$ (.speech, 6)
	endif
	if .music > 0
		.cmd$ = .cmd$ + " --threshold music=" + fixed$ (.music, 6)
	endif
	if .noise > 0
		.cmd$ = .cmd$ + " --threshold noise=" + fixed$ (.noise, 6)
	endif
	if .overlap > 0
		.cmd$ = .cmd$ + " --threshold overlap=" + fixed$ (.overlap, 6)
	endif
	@nmf_quote: .log$
	.cmd$ = .cmd$ + " > " + nmf_quote.quoted$ + " 2>&1"
	if windows
		# cmd /c drops the first and last quote of a line with more than two: give it a pair
		.cmd$ = """" + .cmd$ + """"
	endif
	runSystem_nocheck: .cmd$
endproc

procedure nmf_check_onsets: .speech, .music, .noise, .overlap
	if .speech < 0 or .speech > 1 or .music < 0 or .music > 1 or .noise < 0 or .noise > 1 or .overlap < 0 or .overlap > 1
		exitScript: "Onset thresholds lie between 0 and 1 (0 keeps the model's own threshold)."
	endif
endproc

# Stops the script with the CLI's own error lines ("annotator: <file>: <problem>"), or with
# the last thing the shell said when the command did not run at all.
procedure nmf_fail: .log$, .audio$
	.errors$ = ""
	.last$ = ""
	if fileReadable (.log$)
		.text$ = readFile$ (.log$)
		while length (.text$) > 0
			.end = index (.text$, newline$)
			if .end = 0
				.line$ = .text$
				.text$ = ""
			else
				.line$ = left$ (.text$, .end - 1)
				.text$ = mid$ (.text$, .end + 1, length (.text$))
			endif
			.line$ = replace$ (.line$, unicode$ (13), "", 0)
			if .line$ <> ""
				.last$ = .line$
			endif
			if left$ (.line$, 10) = "annotator:"
				.errors$ = .errors$ + newline$ + replace$ (.line$, .audio$, "the sound", 0)
			endif
		endwhile
		deleteFile: .log$
	endif
	deleteFile: .audio$
	if .errors$ = ""
		if .last$ = ""
			.last$ = "no output"
		endif
		.errors$ = newline$ + .last$ + newline$ + "(Is nmf-annotator installed? Reinstall this plugin with: annotator plugins install praat)"
	endif
	exitScript: "The NMF segmenter could not label this sound:", .errors$
endproc

# Saves the selected Sound or LongSound to a temporary WAV file and labels it. Leaves the
# TextGrid object in .textgrid and selects nothing in particular; the caller selects.
procedure nmf_prelabel_selected: .model$, .speech_onset, .music_onset, .noise_onset, .overlap_onset, .speech, .music, .noise, .overlap
	@nmf_check_onsets: .speech_onset, .music_onset, .noise_onset, .overlap_onset
	if .speech + .music + .noise + .overlap = 0
		exitScript: "Tick at least one class to label."
	endif
	.sound = selected ()
	.name$ = selected$ ()
	.name$ = mid$ (.name$, index (.name$, " ") + 1, length (.name$))
	@nmf_temp_folder
	.base$ = nmf_temp_folder.folder$ + "/" + nmf_temp_folder.stem$
	.wav$ = .base$ + ".wav"
	.textgrid$ = .base$ + ".TextGrid"
	.log$ = .base$ + ".log"
	if numberOfSelected ("Sound") = 1
		Save as 32-bit WAV file: .wav$
	else
		Save as WAV file: .wav$
	endif
	@nmf_label: .wav$, nmf_temp_folder.folder$, .model$, .speech_onset, .music_onset, .noise_onset, .overlap_onset, .log$
	if not fileReadable (.textgrid$)
		@nmf_fail: .log$, .wav$
	endif
	.textgrid = Read from file: .textgrid$
	Rename: .name$
	deleteFile: .textgrid$
	deleteFile: .wav$
	deleteFile: .log$
	# drop the tiers of the classes not asked for (other tiers of a model stay)
	.tiers = Get number of tiers
	for .i from 1 to .tiers
		.tier = .tiers + 1 - .i
		.tier_name$ = Get tier name: .tier
		.drop = (.tier_name$ = "speech" and not .speech) or (.tier_name$ = "music" and not .music) or (.tier_name$ = "noise" and not .noise) or (.tier_name$ = "overlap" and not .overlap)
		if .drop
			Remove tier: .tier
		endif
	endfor
endproc

# TextGrid + Sound (or LongSound): Re-label with NMF segmenter...
# Labels the sound again (with other thresholds, say) and gives a new TextGrid in which the
# ticked class tiers (speech, music, noise, overlap) are replaced by the new labels, in place;
# every other tier, and the original TextGrid object, stay as they were.
include nmf_procedures.praat

form Re-label with NMF segmenter
	comment Model file (leave empty for the shipped default model):
	text Model
	comment Onset thresholds between 0 and 1 (0 keeps the model's own):
	real Speech_onset 0
	real Music_onset 0
	real Noise_onset 0
	real Overlap_onset 0
	comment Tiers to replace (or add, if the TextGrid lacks them):
	boolean Speech 1
	boolean Music 1
	boolean Noise 1
	boolean Overlap 1
	boolean Open_in_editor 1
endform

old_tg = selected ("TextGrid")
old$ = selected$ ("TextGrid")
if numberOfSelected ("Sound") = 1
	sound = selected ("Sound")
else
	sound = selected ("LongSound")
endif
selectObject: sound
@nmf_prelabel_selected: model$, speech_onset, music_onset, noise_onset, overlap_onset, speech, music, noise, overlap
new_tg = nmf_prelabel_selected.textgrid
new_tiers = Get number of tiers
for j from 1 to new_tiers
	used [j] = 0
endfor

# one single-tier TextGrid per tier of the result, in order, then Merge
parts = 0
selectObject: old_tg
old_tiers = Get number of tiers
for i from 1 to old_tiers
	selectObject: old_tg
	name$ = Get tier name: i
	source_tier = 0
	for j from 1 to new_tiers
		selectObject: new_tg
		new_name$ = Get tier name: j
		if new_name$ = name$ and not used [j] and source_tier = 0
			source_tier = j
		endif
	endfor
	if source_tier > 0
		used [source_tier] = 1
		selectObject: new_tg
		parts += 1
		part [parts] = Extract one tier: source_tier
	else
		selectObject: old_tg
		parts += 1
		part [parts] = Extract one tier: i
	endif
endfor
for j from 1 to new_tiers
	if not used [j]
		selectObject: new_tg
		parts += 1
		part [parts] = Extract one tier: j
	endif
endfor

selectObject: part [1]
for k from 2 to parts
	plusObject: part [k]
endfor
if parts > 1
	result = Merge
else
	result = Copy: old$
endif
Rename: old$
for k from 1 to parts
	removeObject: part [k]
endfor
removeObject: new_tg
selectObject: sound, result
if open_in_editor
	View & Edit
endif

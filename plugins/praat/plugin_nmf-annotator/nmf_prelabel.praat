# Sound or LongSound: Pre-label with NMF segmenter...
# Creates a TextGrid with one interval tier per class (speech, music, noise, overlap) and
# selects it together with the sound, ready for "View & Edit".
include nmf_procedures.praat

form Pre-label with NMF segmenter
	comment Model file (leave empty for the shipped default model):
	text Model
	comment Onset thresholds between 0 and 1 (0 keeps the model's own):
	real Speech_onset 0
	real Music_onset 0
	real Noise_onset 0
	real Overlap_onset 0
	comment Tiers to create:
	boolean Speech 1
	boolean Music 1
	boolean Noise 1
	boolean Overlap 1
	boolean Open_in_editor 1
endform

@nmf_prelabel_selected: model$, speech_onset, music_onset, noise_onset, overlap_onset, speech, music, noise, overlap
selectObject: nmf_prelabel_selected.sound, nmf_prelabel_selected.textgrid
if open_in_editor
	View & Edit
endif

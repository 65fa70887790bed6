@echo off
rem ELAN runs this in the recognizer folder (runWin in nmf-annotator.cmdi) and writes the
rem parameters to its standard input; python-path.txt names the Python with nmf-annotator.
setlocal
cd /d "%~dp0"
set "PYTHON="
if exist python-path.txt set /p PYTHON=<python-path.txt
if not defined PYTHON set "PYTHON=python"
set PYTHONIOENCODING=utf-8
"%PYTHON%" -m annotator.integrations.elan

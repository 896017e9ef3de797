# The build recipe the Makefile-built artifacts share (layers/core/Makefile, functions/report/Makefile;
# template.yaml: Metadata BuildMethod: makefile): pinned wheels for Lambda's platform, then every
# module compiled.
#
# Why: SAM's python builder ships no .pyc (aws-lambda-builders excludes *.pyc and __pycache__ and
# installs wheels without compiling) and Lambda's /opt and /var/task are read-only, so every cold
# start would compile each module it imports (make bench: a cold start 2.5x longer without).
# unchecked-hash: the interpreter trusts the .pyc without comparing the source's timestamp (a built
# artifact never changes; Lambda's extraction times are not ours to rely on).
#
# PLATFORM=manylinux2014_x86_64 builds the same for this machine.
PYTHON ?= python3.13
PLATFORM ?= manylinux2014_aarch64

# $(call check_python)
define check_python
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13) and "compiled for Python 3.13 (the Lambda runtime)")'
endef

# $(call install_wheels,TARGET,REQUIREMENTS): binary wheels only, for the runtime's platform and Python
define install_wheels
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --only-binary=:all: \
	    --platform $(PLATFORM) --implementation cp --python-version 3.13 \
	    --target "$(1)" -r "$(2)"
	rm -rf "$(1)/bin"
endef

# $(call compile_all,TARGET): stale bytecode removed, then every module compiled (unchecked-hash)
define compile_all
	find "$(1)" -name __pycache__ -prune -exec rm -rf {} +
	$(PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(1)" > /dev/null
endef

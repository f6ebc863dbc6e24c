# PGXS build for the stepping extension.
MODULE_big = stepping
EXTENSION = stepping
DATA = stepping--0.1.sql
PGFILEDESC = "stepping - incrementally maintained views"

SRCS = $(sort $(wildcard src/*.c) $(wildcard src/*/*.c))
OBJS = $(SRCS:.c=.o)

# `make installcheck` runs both suites against an installed build:
# sql/NAME.sql and specs/NAME.spec, each expecting expected/NAME.out.
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=stepping
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=stepping

PG_CPPFLAGS = -I$(srcdir)/src
# Warnings are errors in CI and scripts/test.sh (make COPT=-Werror), not in
# the shipped Makefile: a packager's newer compiler must not fail the build.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# every module includes the shared header, and the folders' own
$(OBJS): src/stepping.h src/compile/compile.h src/ddl/ddl.h

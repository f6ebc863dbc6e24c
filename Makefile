# PGXS build for the stepping extension.
MODULE_big = stepping
EXTENSION = stepping
DATA = stepping--0.1.sql
PGFILEDESC = "stepping - incrementally maintained views"

SRCS = $(sort $(wildcard src/*.c) $(wildcard src/operators/*.c))
OBJS = $(SRCS:.c=.o)

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=stepping

PG_CPPFLAGS = -I$(srcdir)/src
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Werror

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# every module includes the shared header
$(OBJS): src/stepping.h

# topo — declarative network-topology reconciler.
#
#   make / make build   build/topo
#   make deps           install missing Debian packages (apt), quiet when all are there;
#                       DOCKER=1 (or CI=true) adds docker.io, busybox-static, iptables
#   make check          deps, build, unit tests (plain, ASan+UBSan, valgrind), integration tests
#   make run            deps, build, bring up the default topology in a sandbox and show it
#   make stress         the long hostile runs (crash sweeps, 20 kill rounds, 4096 namespaces)
#   make fuzz           libFuzzer on the loader, the state file codec, the Docker API answers, FUZZ_SECONDS each (default 60)
#   make bench N=1000   the scale benchmark (tests/bench)
#   make install        PREFIX=/usr/local DESTDIR=

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
FUZZ_SECONDS ?= 60
N       ?= 1000
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)

PKGS    := libnl-3.0 libnl-route-3.0 libnftnl libmnl yaml-0.1 jansson
# Headers only: backends/dlib.c dlopen()s these on first use (docker:, nft text,
# graph --format svg), so a run that needs none does not map their ~40 dependencies.
DLOPEN_PKGS := libnftables libcurl libgvc
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) $(DLOPEN_PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wshadow -Wundef -Wwrite-strings -Wpointer-arith -Wcast-align -Wimplicit-fallthrough \
	-Wvla -fno-common
GCC_WARN := -Wlogical-op

# SAN=1: the ASan+UBSan build (its own BUILD directory).
ifeq ($(SAN),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN := -fsanitize=address,undefined
else
OPT := -O2 -g -D_FORTIFY_SOURCE=3 -fstack-protector-strong
LDSAN :=
endif

ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -n1)),)
WARN += $(GCC_WARN)
endif

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) -I. -I$(BUILD) $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = $(LDSAN) $(LDFLAGS)

MODEL_SRC     := $(wildcard model/*.c)
RECONCILE_SRC := $(wildcard reconcile/*.c)
BACKEND_SRC   := $(wildcard backends/*.c)
CMD_SRC       := $(wildcard cmd/*.c)
UNIT_SRC      := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))
PURE_OBJ  := $(call obj,$(MODEL_SRC) $(RECONCILE_SRC))
TOPO_OBJ  := $(call obj,$(MODEL_SRC) $(RECONCILE_SRC) $(BACKEND_SRC) $(CMD_SRC))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

DEB_PKGS := build-essential pkg-config libyaml-dev libjansson-dev libnl-3-dev libnl-route-3-dev libnftnl-dev libnftables-dev \
	libmnl-dev libcmocka-dev iproute2 nftables iputils-ping valgrind clang libclang-rt-14-dev strace \
	jq netcat-openbsd procps util-linux graphviz libgraphviz-dev man-db groff-base libcurl4-openssl-dev
# What backends/dlib.c dlopen()s at run time (the -dev packages bring them; named so they stay).
DEB_PKGS += libcurl4 libnftables1 libgvc6
# The CNI reference plugins for t_cni (no daemon: safe to install anywhere);
# portmap and the bridge plugin's masquerade call iptables.
DEB_PKGS += containernetworking-plugins iptables

# The Docker tests' packages (tests/integration/docker-lib.sh): only under CI
# or when asked (make deps DOCKER=1). On a machine whose init starts services,
# installing docker.io starts a dockerd on the host's own network: never unasked.
DOCKER_PKGS := docker.io busybox-static iptables
ifneq ($(filter true 1,$(CI) $(DOCKER)),)
DEB_PKGS += $(DOCKER_PKGS)
endif
# The Ansible test's (tests/integration/t_nodes_ansible.sh, an sshd per
# simulated host): the same rule, since installing openssh-server starts an
# sshd on the host's own network (make deps ANSIBLE=1).
ANSIBLE_PKGS := openssh-server openssh-client ansible-core
ifneq ($(filter true 1,$(CI) $(ANSIBLE)),)
DEB_PKGS += $(ANSIBLE_PKGS)
endif

.PHONY: all build deps check unit unit-asan unit-valgrind integration integration-asan stress run fuzz \
	bench install clean

all: build
build: $(BUILD)/topo

$(BUILD)/topo: $(TOPO_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The version, from git: rewritten only when it changes, so what depends on
# it is rebuilt exactly then.
$(BUILD)/version.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define TOPO_VERSION "$(VERSION)"' >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/cmd/main.o $(BUILD)/cmd/export.o: $(BUILD)/version.h

.PHONY: FORCE
FORCE:

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Unit tests link the pure modules only: no kernel, no privileges.
$(BUILD)/tests/test_%: tests/unit/test_%.c $(PURE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) $(CMOCKA_LIBS)

deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		if [ "$$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
		case " $$missing " in *" docker.io "*) \
			if pgrep -x dockerd >/dev/null; then \
				echo "deps: warning: this machine's init started dockerd (pid $$(pgrep -x dockerd | tr '\n' ' ')) on its own network; the tests run their own inside tests/sandbox" >&2; \
			fi;; \
		esac; \
	fi

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

unit-asan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 unit

unit-valgrind: $(UNIT_BINS)
	@VALGRIND=1 tests/run-unit.sh $(UNIT_BINS)

integration: $(BUILD)/topo
	@TOPO=$(abspath $(BUILD)/topo) tests/integration/run.sh

# The whole integration suite once more with the sanitizer build of topo.
integration-asan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 $(BUILD)/asan/topo
	@TOPO=$(abspath $(BUILD)/asan/topo) TOPO_SAN=1 tests/integration/run.sh

check: deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory unit-asan
	@$(MAKE) --no-print-directory unit-valgrind
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory integration-asan

# The long hostile runs (minutes): every syscall of namespace creation and
# deletion, 20 random kill rounds on a 200-namespace lab, 4096 namespaces
# under soft limit 1024, EACCES as well as EMFILE injected.
stress: build
	@TOPO=$(abspath $(BUILD)/topo) TOPO_CRASH_NS_FULL=1 TOPO_CRASH_ROUNDS=20 tests/integration/run.sh t_crash_ns
	@TOPO=$(abspath $(BUILD)/topo) TOPO_FDLIMIT_BIG=1 TOPO_FDLIMIT_FULL=1 tests/integration/run.sh t_fdlimit

run: deps
	@$(MAKE) --no-print-directory build
	@tests/run-demo.sh $(abspath $(BUILD)/topo)

# libFuzzer wants clang; its own flags, its own directory.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -I. -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_LIBS = $(shell pkg-config --cflags --libs yaml-0.1 jansson)
$(BUILD)/fuzz/fuzz_loader: tests/fuzz/fuzz_loader.c $(MODEL_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LIBS)

$(BUILD)/fuzz/fuzz_state: tests/fuzz/fuzz_state.c $(MODEL_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LIBS)

$(BUILD)/fuzz/fuzz_docker: tests/fuzz/fuzz_docker.c $(MODEL_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^ $(FUZZ_LIBS)

fuzz: deps
	@$(MAKE) --no-print-directory $(BUILD)/fuzz/fuzz_loader $(BUILD)/fuzz/fuzz_state $(BUILD)/fuzz/fuzz_docker
	@tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_loader $(FUZZ_SECONDS)
	@tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_state $(FUZZ_SECONDS) tests/fuzz/seeds-state tests/fuzz/state.dict
	@tests/fuzz/run.sh $(BUILD)/fuzz/fuzz_docker $(FUZZ_SECONDS) tests/fuzz/seeds-docker tests/fuzz/docker.dict

bench: deps
	@$(MAKE) --no-print-directory build
	@tests/bench/run.sh $(abspath $(BUILD)/topo) $(N)

install: $(BUILD)/topo
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/topo/topologies
	install -m 0755 $(BUILD)/topo $(DESTDIR)$(PREFIX)/bin/topo
	install -m 0644 cmd/topo.8 $(DESTDIR)$(PREFIX)/share/man/man8/topo.8
	install -m 0644 cmd/topo.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/topo
	install -m 0644 topologies/*.yaml $(DESTDIR)$(PREFIX)/share/topo/topologies/

clean:
	rm -rf $(BUILD)

-include $(TOPO_OBJ:.o=.d) $(UNIT_BINS:=.d)

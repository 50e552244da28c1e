# SPDX-License-Identifier: Apache-2.0
# The image of the xcni DaemonSet (etc/kubernetes/xcni.yaml): what
# `make install` puts in place, the CNI reference plugins bridge and
# host-local for hosts that have none, and the shared libraries they need.
# No shell scripts run in it. From the source tree:
#   docker build -t xcni:0.1.0 .
# `make image-rootfs` assembles the same tree without Docker, and
# tests/install/test-rootfs.sh checks it against the package list below.

FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends build-essential autoconf automake pkgconf \
	libinih-dev libcurl4-openssl-dev libcjson-dev libmnl-dev \
	libcap-ng-dev libyaml-dev containernetworking-plugins
WORKDIR /src
COPY . .
RUN autoreconf -fi && mkdir -p /build && cd /build && \
	/src/configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var && \
	make -j"$(nproc)" && make image-rootfs IMAGE_ROOTFS=/rootfs && \
	install -D -m 0755 -t /rootfs/opt/cni/bin \
	    /usr/lib/cni/bridge /usr/lib/cni/host-local

FROM debian:12-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends libinih1 libcurl4 libcjson1 libmnl0 \
	libcap-ng0 libyaml-0-2 ca-certificates && \
	rm -rf /var/lib/apt/lists/*
COPY --from=build /rootfs/ /
ENTRYPOINT ["/usr/sbin/xcni-supervisor"]
CMD ["-f", "--install-cni-bin", "/host/opt/cni/bin"]

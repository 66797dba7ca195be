# gstwebrtc-agent on Debian 12. The build stage installs exactly the set-up
# script's package list; the runtime stage keeps only what the binaries load.
#   docker build -t gstwebrtc-agent .
#   docker run --rm --network host -e AHOY_API_KEY=... gstwebrtc-agent \
#       --grpc-listen 0.0.0.0:50051 --director-url wss://director.example/feeds/
# --network host: WebRTC media needs the host's addresses for ICE.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DGWA_BUILD_TESTS=OFF \
 && cmake --build build -j"$(nproc)"

FROM debian:12
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      ca-certificates \
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
      gstreamer1.0-plugins-ugly gstreamer1.0-nice \
      libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 libgstreamer-plugins-bad1.0-0 \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libspdlog1.10 libfmt9 libssl3 \
      libyaml-cpp0.7 libprometheus-cpp-core1.0 libcurl4 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/gstwebrtc-agent --create-home gwa
COPY --from=build /src/build/bin/gstwebrtc-agent /src/build/bin/streamctl \
                  /src/build/bin/local-director /usr/local/bin/
USER gwa
EXPOSE 50051
# The standard gRPC health service, asked by streamctl: SERVING or fail.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s \
  CMD ["streamctl", "--server", "127.0.0.1:50051", "health"]
ENTRYPOINT ["gstwebrtc-agent"]
CMD ["--grpc-listen", "0.0.0.0:50051"]

# Sourced by scripts/test and scripts/demo: keep every client away from the outside world.
# Tests start their own servers on loopback and override what they need.
export AWS_EC2_METADATA_DISABLED=true
export GCE_METADATA_HOST=127.0.0.1:9          # the discard port: refused at once
export GCE_METADATA_IP=127.0.0.1:9
export HF_ENDPOINT=http://127.0.0.1:9          # tests point it at their own Hub server
export HF_HUB_DISABLE_XET=1
export HF_HUB_DISABLE_TELEMETRY=1
export HF_HUB_OFFLINE=0
export DO_NOT_TRACK=1
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY \
      AWS_SESSION_TOKEN GOOGLE_APPLICATION_CREDENTIALS http_proxy https_proxy HTTP_PROXY \
      HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost,::1
export no_proxy=$NO_PROXY

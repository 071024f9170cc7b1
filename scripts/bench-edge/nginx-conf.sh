#!/usr/bin/env bash
# Prints a production-style nginx proxy_cache config for scripts/bench-edge.sh: the baseline
# our edge is measured against, so it is tuned the way a careful operator would tune it.
#   bash scripts/bench-edge/nginx-conf.sh PREFIX_DIR LISTEN_PORT ORIGIN_PORT > PREFIX_DIR/nginx.conf
set -euo pipefail
prefix=$1 listen_port=$2 origin_port=$3

cat <<CONF
worker_processes auto;
pid $prefix/nginx.pid;
error_log $prefix/error.log warn;

events {
	worker_connections 4096;
}

http {
	access_log off;
	sendfile on;
	# Off on purpose: on loopback, tcp_nopush holds back the tail of a 64 KiB response for
	# about 40 ms (delayed ACK), which would measure a TCP quirk instead of the cache.
	tcp_nopush off;
	tcp_nodelay on;
	keepalive_timeout 65;
	keepalive_requests 1000000;
	# Keeps the cache files' descriptors open between hits, as a busy cache would.
	open_file_cache max=10000 inactive=60s;

	client_body_temp_path $prefix/client_body_temp;
	proxy_temp_path $prefix/proxy_temp;
	fastcgi_temp_path $prefix/fastcgi_temp;
	uwsgi_temp_path $prefix/uwsgi_temp;
	scgi_temp_path $prefix/scgi_temp;

	proxy_cache_path $prefix/cache levels=1:2 keys_zone=edge:64m max_size=1g inactive=60m use_temp_path=off;

	upstream origin {
		server 127.0.0.1:$origin_port;
		keepalive 64;
	}

	server {
		listen 127.0.0.1:$listen_port;

		location / {
			proxy_pass http://origin;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_cache edge;
			# One fill per object however many clients miss at once.
			proxy_cache_lock on;
			# Only a fallback: the origin's Cache-Control/Expires take precedence, since no
			# proxy_ignore_headers overrides them.
			proxy_cache_valid 200 301 1m;
			add_header X-Cache-Status \$upstream_cache_status always;
		}
	}
}
CONF

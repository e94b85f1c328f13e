FROM alpine AS base
RUN true
FROM base

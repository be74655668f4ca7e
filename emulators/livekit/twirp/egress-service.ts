import {
  ListEgressRequest,
  ListEgressResponse,
  RoomCompositeEgressRequest,
  StopEgressRequest,
  UpdateLayoutRequest,
} from '@livekit/protocol';
import type { EgressRegistry } from '../egress/egress-registry.js';
import { requireGrant } from './caller-permissions.js';
import { type TwirpService, twirpMethod } from './twirp-method.js';

/** `livekit.Egress`: every call needs the `roomRecord` grant. */
export function egressService(egress: EgressRegistry): TwirpService {
  return {
    methods: {
      StartRoomCompositeEgress: twirpMethod(RoomCompositeEgressRequest, (request, caller) => {
        requireGrant.roomRecord(caller);
        return egress.startRoomComposite(request);
      }),
      StopEgress: twirpMethod(StopEgressRequest, (request, caller) => {
        requireGrant.roomRecord(caller);
        return egress.stop(request.egressId);
      }),
      ListEgress: twirpMethod(ListEgressRequest, (request, caller) => {
        requireGrant.roomRecord(caller);
        return new ListEgressResponse({ items: egress.list(request) });
      }),
      UpdateLayout: twirpMethod(UpdateLayoutRequest, (request, caller) => {
        requireGrant.roomRecord(caller);
        return egress.updateLayout(request.egressId, request.layout);
      }),
    },
    notEmulated: [
      'StartEgress',
      'UpdateStream',
      'StartWebEgress',
      'StartParticipantEgress',
      'StartTrackCompositeEgress',
      'StartTrackEgress',
    ],
  };
}

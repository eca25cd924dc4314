package copilot

// English sentiment lexicon: general evaluative words plus the complaint
// vocabulary of customer service (delays, cancellations, being on hold).
// Entries are lower-case; multi-word entries are matched as phrases before
// single words. Weights: 1 mild, 2 clear, 3 strong.

var enPositive = map[int]string{
	// Weight 0: phrases that contain an evaluative word but only ask or compare.
	0: `would love would like i'd like like to looks like look like feel like like this like that
good morning good afternoon good evening good night good luck kindly`,
	1: `ok okay fine decent fair nice clean quick fast easy smooth helpful useful friendly polite kind comfortable
comfy cozy safe reliable fresh tasty cheap affordable reasonable fun funny cute pretty sweet warm calm glad hope
hopefully enjoy enjoyed enjoying like liked likes interesting cool neat solid efficient prompt timely on-time
welcome welcomed support supported supportive patient professional resolved solved fixed worth improve improved
upgrade upgraded recommend recommended smile smiling laugh laughing lol haha hahaha lmao :) yay woohoo ok!
pleasant pleased relief relieved proud safely gentle appreciate appreciated appreciative courteous accommodating
impressive impressed promising respect respected honest fair-minded generous special lucky blessed well
ty thx tks tx smooth nicest adore looking forward top notch fave favorites charm`,
	2: `good great love loved loves lovely happy thanks thank thankful grateful gratitude awesome amazing excellent
wonderful fantastic beautiful perfect best better brilliant superb terrific glad delighted enjoyable congrats
congratulations kudos bravo props cheers excited exciting favorite favourite outstanding impressive exceptional
stellar phenomenal finest fabulous marvelous marvellous splendid incredible gorgeous stunning heroes hero rock rocks rocked
thank you thanks so much much appreciated well done nice job good job great job shout out shoutout
appreciate it love it loved it wow helpful beautifully glad to hear pleasure pleasantly smoothly seamless
can't wait cant wait can not wait cannot wait worked like a charm thanks for thank you for`,
	3: `thank you so much thanks a lot thanks a million love you best ever the best absolutely love
highly recommend exceeded expectations above and beyond went above and beyond amazing job outstanding service
thanks so much for so happy so grateful so thankful very happy very grateful over the moon thrilled ecstatic overjoyed`,
}

var enNegative = map[int]string{
	1: `bad slow late delay delayed delays wait waiting waited hold queue issue issues problem problems trouble
concern concerned worried worry worrying confused confusing unclear unfortunately sadly sad sorry miss missed
missing lost lose losing broken broke damage damaged error errors fail failed fails failure glitch bug bugs
crash crashed crashing stuck wrong mistake mistakes expensive overpriced pricey uncomfortable cramped dirty
noisy loud cold tired exhausted boring bored annoying annoyed bothered meh sucks suck sucked weird odd strange
difficult hard confusing complicated unable
never nothing nobody none no-one lack lacking poor poorly limited rough tough sick ill hurt hurts pain painful
scared afraid fear fearful nervous anxious stress stressed stressful upset unhappy sorry regret regrets
struggling struggle unpaid inconvenient inconvenience hassle bummer nope clueless helpless
fault guilty dropped voided overbooked outage down overcharged charged twice double charged refund stranded rebook rebooked rebooking reschedule diverted grounded cancel cancelled canceled cancellation
cancelations cancellations`,
	2: `terrible horrible awful worst hate hated hates angry mad furious annoying frustrating frustrated frustration
disappointed disappointing disappointment unacceptable ridiculous pathetic useless rude incompetent lousy poor
shameful shame disgusting disgusted gross nasty stupid dumb idiot idiots crap crappy garbage trash junk fail
scam scammed fraud fake liar lies lied lying cheated cheat ripoff rip-off ripped off misleading dishonest
unprofessional unhelpful careless neglect ignored ignoring ignore disrespect disrespectful insulting insult
sucks worse hell damn dammit wtf smh ugh nightmare disaster mess messed chaos fiasco joke joking kidding
on hold no response no reply no answer no one nobody answered never again never received never arrived
not received not arrived not working doesn't work does not work didn't work did not work still waiting
still no still not customer service fail hung up hang up disconnected left stranded lost luggage lost bag
missed connection missed my flight delayed again cancelled again not happy not impressed not good
waste wasted waste of time waste of money hostage miserable sad crying cry cried heartbroken depressed depressing
sick of tired of fed up had enough filthy ruined ruin mislead misled misleading criminal
gave up give up giving up never heard back never heard no agents no agent no one answers can't get through
can't get anyone cannot get through can't find no clue no idea come on fix this fix it
won't fly will not fly never fly never flying never use never using not flying other airlines another airline
expected better should be better deserve better switching to
haven't heard back have not heard back not heard back still haven't no word`,
	3: `worst ever worst airline worst service the worst absolutely terrible absolutely horrible never again
fuck fucking fucked shit shitty bullshit bs asshole assholes bitch damn you screw you go to hell hate you
so disappointed very disappointed extremely disappointed completely unacceptable totally unacceptable
beyond frustrated disgrace disgraceful outrageous appalling atrocious abysmal horrendous despicable
furious livid infuriating infuriated enraged`,
}

// enNegators flip the next evaluative word within a short window.
var enNegators = `not no never neither nor without hardly barely scarcely cannot cant can't dont don't doesnt doesn't
didnt didn't isnt isn't wasnt wasn't arent aren't werent weren't wont won't wouldnt wouldn't couldnt couldn't
shouldnt shouldn't aint ain't nothing lack`

var enIntensifiers = map[string]float64{
	"very": 1.5, "so": 1.4, "really": 1.4, "extremely": 1.9, "super": 1.6, "too": 1.3, "totally": 1.6,
	"completely": 1.6, "absolutely": 1.8, "incredibly": 1.8, "truly": 1.4, "highly": 1.5, "especially": 1.3,
	"most": 1.5, "such": 1.3, "quite": 1.2, "pretty": 1.1, "way": 1.3, "seriously": 1.5, "utterly": 1.9,
	"beyond": 1.5, "insanely": 1.8, "freaking": 1.6, "fucking": 1.8, "damn": 1.4, "bloody": 1.5,
	"slightly": 0.6, "somewhat": 0.7, "kinda": 0.7, "kind of": 0.7, "sort of": 0.7, "a bit": 0.7, "a little": 0.7,
	"little": 0.8, "rather": 0.9, "fairly": 0.9,
}

// enFrames: a summary counts double, a flaw introduced as the only or a
// minor one counts half (see zhFrames).
var enFrames = map[string]float64{
	"overall": 2, "all in all": 2, "on the whole": 2, "all things considered": 2, "in general": 1.5,
	"only complaint": 0.4, "only issue": 0.4, "only problem": 0.4, "minor issue": 0.5, "minor complaint": 0.5,
}

var enContrast = `but however though although yet still except nevertheless nonetheless unfortunately`

// emoji carry a lot of the sentiment in chat; the commonest faces and hands.
var emojiWeights = map[rune]float64{
	'😀': 1.5, '😁': 1.5, '😂': 1, '🤣': 1, '😃': 1.5, '😄': 1.5, '😅': 0.5, '😆': 1.5, '😉': 1, '😊': 2,
	'😋': 1.5, '😍': 2.5, '😘': 2, '🥰': 2.5, '😗': 1, '🙂': 1, '🤗': 1.5, '🤩': 2.5, '😎': 1, '👍': 2,
	'👏': 1.5, '🙌': 1.5, '💪': 1.5, '❤': 2, '💕': 2, '💖': 2, '💗': 2, '💯': 2, '🎉': 2, '✨': 1, '🌟': 1.5,
	'⭐': 1, '🙏': 1, '😇': 1.5, '🥳': 2, '👌': 1.5, '💓': 2, '💝': 2, '😻': 2, '🌹': 1, '🍻': 1,
	'😞': -2, '😟': -1.5, '😠': -2.5, '😡': -3, '🤬': -3, '😢': -2, '😭': -2, '😤': -2, '😩': -2, '😫': -2,
	'😒': -1.5, '🙄': -1.5, '😑': -1, '😐': -0.5, '😔': -1.5, '😕': -1, '🙁': -1.5, '☹': -1.5, '😖': -2,
	'😣': -1.5, '😰': -1.5, '😱': -1.5, '😨': -1.5, '😓': -1, '😪': -1, '🤮': -2.5, '🤢': -2, '👎': -2.5,
	'💔': -2, '😿': -1.5, '🖕': -3, '💩': -2, '🤦': -1.5, '😬': -1,
}

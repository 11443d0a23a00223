/* The float32 exact GELU for AVX-512 (issue 5): gelu, gelu' and geglu,
 * included by _simd16.h (whose helpers it uses) on the v4 build.
 *
 * gelu(x) = x Phi(x). With u = |x| and Phi(-u) = e^(-u^2/2) R(u), R(u) =
 * erfcx(u/sqrt2)/2 (smooth, 1/2 at 0, ~1/(u sqrt(2 pi)) for large u):
 *   x < 0:  gelu(x) = x R(u) e^(-u^2/2)
 *   x >= 0: gelu(x) = x (1 - R(u) e^(-u^2/2))
 * and gelu'(x) = Phi(x) + x phi(x) the same way with D(u) = R(u) -
 * u/sqrt(2 pi) for R: e^(-u^2/2) D(u) for x < 0, 1 - that for x >= 0.
 * R and D come from polynomials of degree 6 chosen by the interval of u
 * (tools/fit_gelu16.py: 32 intervals over [0, 20), each coefficient a
 * 32-float table read by one vpermt2ps), the exponential from fa16_exp_neg
 * with u^2 carried as a pair, and their product as a pair, so that the
 * result rounds about once. The double kernels of _math.pxd (which the
 * baseline and v3 builds run) convert every float to double and back.
 *
 * Over every float32 x (C harness against long double erfcl): gelu within
 * 0.80 ULP, gelu' within 0.74 (of 1/64 within 0.05 of its zero).
 *
 * Tables: python tools/fit_gelu16.py */
#ifndef FA_GELU16_H
#define FA_GELU16_H

/* R(u) = erfcx(u/sqrt2)/2 by interval (tools/fit_gelu16.py): max relative error 2.58e-09 (2^-28.5) */
static const float FA16_GELU_R_CENTRE[32] __attribute__((aligned(64))) = {
    0.125f, 0.375f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3.25f, 3.75f, 4.25f, 4.75f, 5.25f, 5.75f, 6.25f, 6.75f, 7.25f, 7.75f, 8.25f, 8.75f, 9.25f, 9.75f, 10.25f, 10.75f, 11.25f, 11.75f, 12.5f, 13.5f, 14.5f, 15.5f, 16.5f, 17.5f, 19.0f};
static const float FA16_GELU_R[8][32] __attribute__((aligned(64))) = {
    {0.4537932276725769f, 0.37960442900657654f, 0.300232470035553f, 0.23076032102108002f, 0.18523167073726654f, 0.15365193784236908f, 0.1307247281074524f, 0.11345206201076508f, 0.10003920644521713f, 0.08935932070016861f, 0.0806754007935524f, 0.07348822802305222f, 0.06744923442602158f, 0.06230848655104637f, 0.057882633060216904f, 0.054034359753131866f, 0.05065898224711418f, 0.04767538979649544f, 0.045019831508398056f, 0.04264155030250549f, 0.040499649941921234f, 0.03856084495782852f, 0.03679777309298515f, 0.0351877398788929f, 0.03371177241206169f, 0.03171492740511894f, 0.029391732066869736f, 0.02738422527909279f, 0.02563239075243473f, 0.024090472608804703f, 0.022722981870174408f, 0.02093927562236786f},   /* c0 hi */
    {-5.630632848863115e-09f, -1.1372547348287299e-09f, -7.658797152032548e-09f, 2.930329312533786e-10f, -6.056851020730392e-09f, -4.1791076155206497e-10f, 5.9934861518229354e-09f, 1.1859800641556006e-10f, 3.190259389995731e-09f, -2.080488226141597e-09f, -1.6209992237392612e-09f, 2.8296422982521108e-09f, -3.0745621604211237e-09f, 3.5731603786892663e-10f, -1.3363367079577415e-09f, -3.4389618930319443e-10f, 8.808268003868136e-11f, 9.300554215663226e-10f, 1.4928536185010444e-09f, -8.583984634213948e-10f, 3.6344652287745305e-10f, 1.2810542626695565e-09f, 1.034449331749343e-10f, -1.0391718596736155e-09f, 2.3524238113026286e-12f, -1.835303353736606e-09f, -4.3733994203876136e-10f, -8.765622949713503e-11f, 6.175078226533515e-10f, -7.516636202353766e-10f, -7.928343537244587e-10f, -4.2144957662637594e-11f},   /* c0 lo */
    {-0.3422181308269501f, -0.2565906345844269f, -0.17376795411109924f, -0.11049188673496246f, -0.07478687167167664f, -0.05322542041540146f, -0.039449263364076614f, -0.030223079025745392f, -0.023795245215296745f, -0.019165176898241043f, -0.01573413424193859f, -0.013129068538546562f, -0.011109200306236744f, -0.009514236822724342f, -0.008234516717493534f, -0.0071931746788322926f, -0.006335167214274406f, -0.005620306823402643f, -0.005018741823732853f, -0.00450794817879796f, -0.004070689901709557f, -0.003693606471642852f, -0.0033662186469882727f, -0.0030802185647189617f, -0.0028289544861763716f, -0.0025057108141481876f, -0.002153903478756547f, -0.00187101517803967f, -0.0016402141191065311f, -0.0014494947390630841f, -0.0012901115696877241f, -0.0010960444342345f},   /* c1 */
    {0.20550797879695892f, 0.14169147610664368f, 0.08495325595140457f, 0.04632273688912392f, 0.027177324518561363f, 0.016947370022535324f, 0.011119632981717587f, 0.007613528519868851f, 0.005403521936386824f, 0.0039536599069833755f, 0.002969130640849471f, 0.0022803107276558876f, 0.0017856652848422527f, 0.0014222520403563976f, 0.001149823539890349f, 0.00094192149117589f, 0.0007807178772054613f, 0.0006539293681271374f, 0.0005529218469746411f, 0.0004715150280389935f, 0.00040521175833418965f, 0.00035069003934040666f, 0.00030546195921488106f, 0.00026764062931761146f, 0.0002357783232582733f, 0.00019677041564136744f, 0.00015701785741839558f, 0.00012725293345283717f, 0.00010453588765813038f, 8.69041687110439e-05f, 7.301449659280479e-05f, 5.721620982512832e-05f},   /* c2 */
    {-0.1055087074637413f, -0.06781481951475143f, -0.036681972444057465f, -0.017528630793094635f, -0.009075104258954525f, -0.005031281150877476f, -0.002956625772640109f, -0.001826326479203999f, -0.001177281024865806f, -0.0007873317808844149f, -0.0005435930215753615f, -0.00038580421824008226f, -0.00028052995912730694f, -0.00020841264631599188f, -0.0001577069197082892f, -0.00012141500337747857f, -9.487364877713844e-05f, -7.513521995861083e-05f, -6.021349327056669e-05f, -4.880269625573419e-05f, -3.995982478954829e-05f, -3.3009928301908076e-05f, -2.74940139206592e-05f, -2.3080137907527387e-05f, -1.9522647562553175e-05f, -1.535959745524451e-05f, -1.1386266123736277e-05f, -8.615008482593112e-06f, -6.6367347244522534e-06f, -5.192294338485226e-06f, -4.118952801945852e-06f, -2.978576731038629e-06f},   /* c3 */
    {0.04807935282588005f, 0.02906332165002823f, 0.014359441585838795f, 0.006102526560425758f, 0.0028236783109605312f, 0.001406738767400384f, 0.0007470931741409004f, 0.0004194519715383649f, 0.0002471078187227249f, 0.00015181965136434883f, 9.676843183115125e-05f, 6.37020348221995e-05f, 4.313776298658922e-05f, 2.9963126507936977e-05f, 2.1271953301038593e-05f, 1.5415585949085653e-05f, 1.1372619155736174e-05f, 8.52730681799585e-06f, 6.486337042588275e-06f, 5.001857516617747e-06f, 3.905028734152438e-06f, 3.0817582228337415e-06f, 2.456159791108803e-06f, 1.976546855075867e-06f, 1.60584386321716e-06f, 1.1920291171918507e-06f, 8.215196771743649e-07f, 5.807528964396624e-07f, 4.196247687104915e-07f, 3.0912897841517406e-07f, 2.316419198677977e-07f, 1.546589629697337e-07f},   /* c4 */
    {-0.02000637724995613f, -0.011610737070441246f, -0.005250638350844383f, -0.0020031544845551252f, -0.0008362435037270188f, -0.00037476513534784317f, -0.00018275785259902477f, -9.346876322524622e-05f, -5.108936602482572e-05f, -2.902437154261861e-05f, -1.6752224837546237e-05f, -1.0398988706583623e-05f, -6.657945959887002e-06f, -3.908951384801185e-06f, -3.1987372040021e-06f, -1.92680636246223e-06f, -1.2739046724163927e-06f, -8.887308240446146e-07f, -8.42084091345896e-07f, -6.189684995661082e-07f, -3.5975705259261304e-07f, -3.012142144598329e-07f, -3.0567048270313535e-07f, -2.5845292839221656e-07f, -9.370378251105649e-08f, -9.400768163914108e-08f, -6.300403043724145e-08f, -4.1734821820682555e-08f, -2.400010323810875e-08f, -1.736467858393098e-08f, -1.4118525903938917e-08f, -8.225462089228586e-09f},   /* c5 */
    {0.007640536408871412f, 0.004231896251440048f, 0.001765257096849382f, 0.0006106956861913204f, 0.00023209200298879296f, 9.491191303823143e-05f, 4.2513009248068556e-05f, 1.9866294678649865e-05f, 1.0031692909251433e-05f, 5.313129349815426e-06f, 2.8747733722411795e-06f, 1.6018741462175967e-06f, 9.686899602456833e-07f, 5.271353984426241e-07f, 4.258378396571061e-07f, 2.4488997496519005e-07f, 1.570979577536491e-07f, 1.0113848958326344e-07f, 9.092776309671535e-08f, 5.985044992939947e-08f, 2.9689740443927803e-08f, 2.345245775359217e-08f, 2.8274303787156896e-08f, 2.481415961597122e-08f, 5.832029525976168e-09f, 7.093014176007273e-09f, 4.653715190983121e-09f, 2.6629449756399026e-09f, 1.5654362250927534e-09f, 1.0207370504389246e-09f, 8.280481855749144e-10f, 4.2523390364479496e-10f},   /* c6 */
};
/* D(u) = R(u) - u/sqrt(2 pi) by interval (tools/fit_gelu16.py): max relative error 7.59e-09 (2^-27.0) */
static const float FA16_GELU_D_CENTRE[32] __attribute__((aligned(64))) = {
    0.125f, 0.375f, 0.7517915368080139f, 1.25f, 1.75f, 2.25f, 2.75f, 3.25f, 3.75f, 4.25f, 4.75f, 5.25f, 5.75f, 6.25f, 6.75f, 7.25f, 7.75f, 8.25f, 8.75f, 9.25f, 9.75f, 10.25f, 10.75f, 11.25f, 11.75f, 12.5f, 13.5f, 14.5f, 15.5f, 16.5f, 17.5f, 19.0f};
static const float FA16_GELU_D[9][32] __attribute__((aligned(64))) = {
    {0.40392544865608215f, 0.2300010770559311f, -6.934457896790036e-09f, -0.26791754364967346f, -0.5129173398017883f, -0.7439681887626648f, -0.9663665294647217f, -1.1831103563308716f, -1.3959943056106567f, -1.6061453819274902f, -1.8143004179000854f, -2.020958662033081f, -2.226468801498413f, -2.4310808181762695f, -2.6349778175354004f, -2.838297128677368f, -3.0411436557769775f, -3.243598461151123f, -3.445725202560425f, -3.6475746631622314f, -3.8491876125335693f, -4.050597667694092f, -4.251831531524658f, -4.4529128074646f, -4.653860092163086f, -4.955063343048096f, -5.356328964233398f, -5.757278919219971f, -6.157972812652588f, -6.558457374572754f, -6.958766937255859f, -7.558964252471924f},   /* c0 hi */
    {-1.1661539289775646e-08f, -4.334210323975185e-09f, -1.0084062894682904e-16f, 1.4354474942024353e-08f, 1.3760024231146417e-08f, -4.721401491991628e-09f, -7.539982860294003e-09f, 7.154964620781357e-09f, -3.625948608032559e-08f, 8.84097772768655e-09f, -1.4834217409998018e-08f, -7.922177047703371e-08f, -7.945837410261447e-08f, 5.257566826344373e-08f, 5.6549609439571213e-08f, -4.482378557213451e-08f, -3.4998933529095666e-08f, 3.856585806261137e-08f, 8.204914081488823e-08f, 1.1889310513879536e-07f, 2.8924965533860814e-08f, 1.3981829738440865e-07f, -2.0959430457878625e-07f, -1.0821179330378072e-07f, 6.986066125591606e-08f, -2.3639999824354163e-07f, -8.9556408511271e-08f, 7.859063799742216e-08f, -1.421996671524539e-07f, 2.1980623898798513e-07f, 1.1308135761112226e-08f, 2.004248926823493e-07f},   /* c0 lo */
    {-0.7411603927612305f, -0.6555328965187073f, -0.5724061727523804f, -0.509434163570404f, -0.4737291634082794f, -0.45216768980026245f, -0.4383915364742279f, -0.4291653633117676f, -0.4227375388145447f, -0.41810745000839233f, -0.4146764278411865f, -0.4120713472366333f, -0.41005149483680725f, -0.4084565043449402f, -0.40717679262161255f, -0.4061354696750641f, -0.40527746081352234f, -0.4045625925064087f, -0.40396103262901306f, -0.40345022082328796f, -0.4030129611492157f, -0.4026358723640442f, -0.40230849385261536f, -0.40202251076698303f, -0.4017712473869324f, -0.40144798159599304f, -0.4010961949825287f, -0.4008132815361023f, -0.400582492351532f, -0.4003917872905731f, -0.4002324044704437f, -0.40003833174705505f},   /* c1 hi */
    {-1.6410570680136516e-08f, -4.40871428253331e-09f, -4.666979247502923e-09f, -5.277078773957555e-11f, 1.4180052687606803e-08f, -1.2411764060971109e-08f, -5.801590763354625e-09f, 4.320169111338146e-09f, 1.4094236000516958e-08f, -6.685456632737896e-09f, 1.309535235805015e-08f, -1.5963133037644184e-09f, 1.430111140621193e-08f, -1.328277754453211e-08f, -4.04630595696176e-09f, 1.4588383834279739e-08f, 1.3107993801497742e-08f, 5.197328345474261e-09f, 1.0586904686249454e-08f, -7.621585140782372e-09f, -9.176368997998452e-09f, -1.4490272981504404e-08f, -5.088625520954793e-09f, 1.1910979758056328e-08f, 1.245343295153134e-08f, -9.58508028503502e-09f, 1.1177842651477476e-08f, -1.3991193981155448e-08f, -2.2173405334058316e-09f, 1.213053568704936e-08f, 1.252102421744894e-08f, 6.96607749262057e-09f},   /* c1 lo */
    {0.20550797879695892f, 0.14169147610664368f, 0.08475637435913086f, 0.046322766691446304f, 0.02717732824385166f, 0.016947371885180473f, 0.011119632981717587f, 0.007613528519868851f, 0.005403521936386824f, 0.0039536599069833755f, 0.002969130640849471f, 0.0022803107276558876f, 0.0017856652848422527f, 0.0014222521567717195f, 0.001149823423475027f, 0.00094192149117589f, 0.0007807178772054613f, 0.0006539293681271374f, 0.0005529218469746411f, 0.0004715150280389935f, 0.0004052117874380201f, 0.00035069003934040666f, 0.00030546195921488106f, 0.000267640600213781f, 0.00023577833781018853f, 0.00019677041564136744f, 0.00015701784286648035f, 0.00012725293345283717f, 0.00010453588765813038f, 8.69041687110439e-05f, 7.301449659280479e-05f, 5.721620618714951e-05f},   /* c2 */
    {-0.10550931841135025f, -0.06781850755214691f, -0.03658037632703781f, -0.017528900876641273f, -0.00907531101256609f, -0.005031201988458633f, -0.0029567258898168802f, -0.001826356747187674f, -0.0011773394653573632f, -0.0007873710710555315f, -0.0005435865023173392f, -0.00038581143599003553f, -0.00028054110589437187f, -0.00020838687487412244f, -0.00015773580526001751f, -0.00012141457409597933f, -9.486789349466562e-05f, -7.512983574997634e-05f, -6.022520028636791e-05f, -4.881136192125268e-05f, -3.9958369598025456e-05f, -3.301115066278726e-05f, -2.750086787273176e-05f, -2.3087186491466127e-05f, -1.9519711713655852e-05f, -1.5360159522970207e-05f, -1.1387480299163144e-05f, -8.615847946202848e-06f, -6.635962108703097e-06f, -5.19198329129722e-06f, -4.119301138416631e-06f, -2.9787986477458617e-06f},   /* c3 */
    {0.048079684376716614f, 0.029064448550343513f, 0.014312825165688992f, 0.0061013163067400455f, 0.0028235495556145906f, 0.0014066516887396574f, 0.0007471052231267095f, 0.00041945357224904f, 0.00024711302830837667f, 0.00015182211063802242f, 9.676736226538196e-05f, 6.37028570054099e-05f, 4.313839235692285e-05f, 2.995676186401397e-05f, 2.1278552594594657e-05f, 1.5415405869134702e-05f, 1.1372282642696518e-05f, 8.527063073415775e-06f, 6.486552592832595e-06f, 5.0020917115034536e-06f, 3.903635843016673e-06f, 3.081863724219147e-06f, 2.456229140079813e-06f, 1.9780732145591173e-06f, 1.6051046713982942e-06f, 1.1920421911781887e-06f, 8.217010076805309e-07f, 5.807729053231014e-07f, 4.1960578300859197e-07f, 3.0912502779756323e-07f, 2.316415503855751e-07f, 1.5467213643205469e-07f},   /* c4 */
    {-0.019972700625658035f, -0.01141990814357996f, -0.005216010846197605f, -0.0019992373418062925f, -0.0008334072772413492f, -0.00037572011933662f, -0.00018144506611861289f, -9.30659007281065e-05f, -5.03347982885316e-05f, -2.8518001272459514e-05f, -1.6835019778227434e-05f, -1.030425300996285e-05f, -6.514479537145235e-06f, -4.238295332470443e-06f, -2.8288418434385676e-06f, -1.932333361764904e-06f, -1.347541456198087e-06f, -9.575855983712245e-07f, -6.923209525666607e-07f, -5.08036691826419e-07f, -3.784784041727107e-07f, -2.854357035175781e-07f, -2.1799461080718174e-07f, -1.6824787962832488e-07f, -1.3126297915277974e-07f, -9.219552055128588e-08f, -5.91104409863874e-08f, -3.904265710730215e-08f, -2.6470617697782473e-08f, -1.8357001252411465e-08f, -1.3001822729563628e-08f, -8.046757038471242e-09f},   /* c5 */
    {0.0076155997812747955f, 0.004149476066231728f, 0.001761711435392499f, 0.0006230748258531094f, 0.00023325940128415823f, 9.588916145730764e-05f, 4.2306761315558106e-05f, 1.9838136722682975e-05f, 9.938813491316978e-06f, 5.267830147204222e-06f, 2.8933395697094966e-06f, 1.5878806607361184e-06f, 9.572273711455637e-07f, 6.023773266861099e-07f, 3.4655627700885816e-07f, 2.4790020347609243e-07f, 1.63084976634309e-07f, 1.0552999185620138e-07f, 8.69735075070821e-08f, 5.533684444003484e-08f, 4.4986286695802846e-08f, 2.1561428198424437e-08f, 2.6932751140407163e-08f, 7.1428187808919574e-09f, 1.427309470614091e-08f, 7.032231685855095e-09f, 4.143344778384517e-09f, 2.5713418061457105e-09f, 1.6506619404665912e-09f, 1.0414659135093984e-09f, 8.270132911825101e-10f, 4.1516662330209897e-10f},   /* c6 */
};

/* a 32-float table's entry at idx (0..31): one vpermt2ps from two registers */
FA16_INLINE __m512 fa16_table32(const float* table, __m512i idx) {
    return _mm512_permutex2var_ps(_mm512_load_ps(table), idx, _mm512_load_ps(table + 16));
}

/* the interval of u (fit_gelu16.py): min(floor(4u), floor(2u + 1),
 * floor(u + 13), 31). Where 2u + 1 or u + 13 rounds up to the next
 * integer, u is within an ULP of that interval and its polynomial serves. */
FA16_INLINE __m512i fa16_gelu_interval(__m512 u) {
    __m512 m = _mm512_min_ps(_mm512_mul_ps(u, FA16_SET(4.0f)),
                             _mm512_fmadd_ps(u, FA16_SET(2.0f), FA16_SET(1.0f)));
    m = _mm512_min_ps(m, _mm512_add_ps(u, FA16_SET(13.0f)));
    return _mm512_cvttps_epi32(_mm512_min_ps(m, FA16_SET(31.0f)));
}

/* e^(-u^2/2) as 2^floor(kq) (eh + el), eh the table's entry and |el| <
 * 0.03 eh (fa16_exp_neg_raw): -u^2/2 = v + l (FMA on -u/2, exact), and
 * e^(v + l) = e^v (1 + l) (|l| < 2^-17 at u = 20, so the dropped l^2/2 is
 * below 2^-35), the factor folded into el */
FA16_INLINE void fa16_exp_minus_half_sq(__m512 u, __m512* eh, __m512* el, __m512* kq) {
    __m512 nh = _mm512_mul_ps(u, FA16_SET(-0.5f));
    __m512 v = _mm512_mul_ps(nh, u);
    __m512 l = _mm512_fmsub_ps(nh, u, v);
    fa16_exp_neg_raw(v, eh, el, kq);
    *el = _mm512_fmadd_ps(_mm512_add_ps(*eh, *el), l, *el);      /* (eh + el) l: el is not small */
}

/* (fh + fl) e^(-u^2/2) as 2^floor(kq) (qh + ql), |fl| < |fh| / 2: fh eh
 * exact as a pair (FMA), the other terms in ql (fl el too: el is up to
 * 0.03 eh) */
FA16_INLINE void fa16_times_exp_minus_half_sq(__m512 fh, __m512 fl, __m512 u, __m512* qh,
                                              __m512* ql, __m512* kq) {
    __m512 eh, el;
    fa16_exp_minus_half_sq(u, &eh, &el, kq);
    *qh = _mm512_mul_ps(fh, eh);
    *ql = _mm512_fmadd_ps(fl, _mm512_add_ps(eh, el),
                          _mm512_fmadd_ps(fh, el, _mm512_fmsub_ps(fh, eh, *qh)));
}

/* rows[last] t^(last - first) + ... + rows[first] at the interval idx
 * (Horner's rule) */
FA16_INLINE __m512 fa16_table_horner(const float (*rows)[32], int last, int first, __m512i idx,
                                     __m512 t) {
    __m512 p = fa16_table32(rows[last], idx);
    for (int j = last - 1; j >= first; j--)
        p = _mm512_fmadd_ps(p, t, fa16_table32(rows[j], idx));
    return p;
}

/* t = u - centre + tl for the interval idx: exact but in the first
 * interval below 1/16, where Fast2Sum keeps tl (the centre 1/8 is the
 * larger there; elsewhere u - centre is exact by Sterbenz's lemma) */
FA16_INLINE __m512 fa16_gelu_t(const float* centres, __m512i idx, __m512 u, __m512* tl) {
    __m512 centre = fa16_table32(centres, idx);
    __m512 t = _mm512_sub_ps(u, centre);
    *tl = _mm512_sub_ps(u, _mm512_add_ps(t, centre));
    return t;
}

/* Phi(-u) = R(u) e^(-u^2/2) for 0 <= u <= 20 (larger u, NaN: clamp first),
 * as 2^floor(kq) (qh + ql), |ql| below ulp(qh) or so.
 *   - the interval: fa16_gelu_interval;
 *   - t = u - centre + tl (fa16_gelu_t);
 *   - R = c0 + w, w = t (c1 + t (c2 + ...)) + c0's low part (Horner);
 *   - q = (c0 + w) e^(-u^2/2): fa16_times_exp_minus_half_sq.
 * Relative error: 2.6e-9 from the fit, about 2^-28 from the exponential,
 * and the roundings of w (|w| < 0.3 R) and ql. */
FA16_INLINE void fa16_gelu_phi_neg(__m512 u, __m512* qh, __m512* ql, __m512* kq) {
    __m512i idx = fa16_gelu_interval(u);
    __m512 tl, t = fa16_gelu_t(FA16_GELU_R_CENTRE, idx, u, &tl);
    /* rows: c0 hi, c0 lo, c1 .. c6 */
    __m512 p = fa16_table_horner(FA16_GELU_R, 7, 2, idx, t);      /* c1 + t (c2 + ...) */
    __m512 w = _mm512_fmadd_ps(p, t, _mm512_fmadd_ps(p, tl, fa16_table32(FA16_GELU_R[1], idx)));
    fa16_times_exp_minus_half_sq(fa16_table32(FA16_GELU_R[0], idx), w, u, qh, ql, kq);
}

/* The factor of x (gelu), of a b (geglu) or of gy (gelu') from q =
 * 2^floor(kq) (qh + ql), Phi(-u) or D(u) e^(-u^2/2): q itself where neg is
 * set, unscaled (the caller scales last); elsewhere 1 - q, as a + b by
 * Fast2Sum (|q| <= 1/2 < 1). */
FA16_INLINE void fa16_q_or_one_minus_q(__m512 qh, __m512 ql, __m512 kq, __mmask16 neg,
                                       __m512* a, __m512* b) {
    const __m512 one = FA16_SET(1.0f);
    __m512 qs = _mm512_scalef_ps(qh, kq);
    __m512 s = _mm512_sub_ps(one, qs);
    __m512 e = _mm512_sub_ps(_mm512_sub_ps(one, s), qs);
    *a = _mm512_mask_blend_ps(neg, s, qh);
    *b = _mm512_mask_blend_ps(neg, _mm512_sub_ps(e, _mm512_scalef_ps(ql, kq)), ql);
}

/* gelu(x) = x Phi(x):
 *   x < 0:  x (qh + ql) 2^floor(kq), the scaling last (one rounding where
 *           the result is subnormal; below -14.5 it is -0);
 *   x >= 0: x (1 - Phi(-u)), 1 - Phi(-u) = s + (e - ql') by Fast2Sum of
 *           1 - qh' (qh', ql' scaled by 2^floor(kq), Phi(-u) <= 1/2).
 * Past |x| = 20 (and for NaN, inf): x for x > 0 and NaN, -0 for x < 0 (as
 * the float64 kernel: gelu(-inf) = -0); +-0 give themselves. */
FA16_INLINE __m512 fa16_gelu(__m512 x, __m512 unused, float p) {
    (void)unused; (void)p;
    __m512 u = _mm512_min_ps(_mm512_abs_ps(x), FA16_SET(20.0f));
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 qh, ql, kq;
    fa16_gelu_phi_neg(u, &qh, &ql, &kq);
    __m512 a, b;
    fa16_q_or_one_minus_q(qh, ql, kq, neg, &a, &b);
    __m512 y = _mm512_fmadd_ps(x, a, _mm512_mul_ps(x, b));
    y = _mm512_mask_scalef_ps(y, neg, y, kq);
    /* and +-0 as they are (the sum above may turn -0 into +0); vmaxps
     * returns its second operand where one is NaN or both are 0 */
    __mmask16 far = _mm512_cmp_ps_mask(_mm512_abs_ps(x), FA16_SET(20.0f), _CMP_NLE_UQ)
                  | _mm512_fpclass_ps_mask(x, 0x06);
    return _mm512_mask_max_ps(y, far, FA16_SET(-0.0f), x);
}

/* where the float32 kernels of the other levels (fa_gelu_f32acc) turn
 * gelu(a) to -0: below -38.5801415 (in double; as a float compare,
 * a < -38.58013916 = this float, the float above -38.5801415) */
#define FA16_GELU_ZERO_BELOW (-38.58013916015625f)

/* geglu: gelu(a) b = (a b) Phi(a), a b carried as a pair of mantissas
 * times 2^(ea + eb) (as swiglu: it neither overflows nor underflows,
 * whatever a and b are), then as fa16_gelu with that pair for x. Where a
 * or b is 0, inf or NaN or |a| > 20, the result is g b with g = gelu(a) by
 * kind, as the other levels give: a itself (its sign and kind) but below
 * -20, where gelu(a) is -0 for a finite b (gelu(a) b is below the
 * subnormals) and -1 for an infinite one (gelu(a) is not 0 in double
 * there) down to FA16_GELU_ZERO_BELOW, and -0 past it. */
FA16_INLINE __m512 fa16_geglu(__m512 a, __m512 b, float p) {
    (void)p;
    __m512 ax = _mm512_abs_ps(a);
    __mmask16 neg = _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 qh, ql, kq;
    fa16_gelu_phi_neg(_mm512_min_ps(ax, FA16_SET(20.0f)), &qh, &ql, &kq);
    __m512 fa, fb;
    fa16_q_or_one_minus_q(qh, ql, kq, neg, &fa, &fb);
    __m512 w, wl;
    __m512 ev = fa16_mant_product(a, b, &w, &wl);
    __m512 y = _mm512_fmadd_ps(w, fa, _mm512_fmadd_ps(wl, fa, _mm512_mul_ps(w, fb)));
    y = _mm512_scalef_ps(y, _mm512_mask_add_ps(ev, neg, ev, kq));
    /* the special cases by kind */
    __mmask16 odd = _mm512_fpclass_ps_mask(a, 0x9f) | _mm512_fpclass_ps_mask(b, 0x9f)
                  | _mm512_cmp_ps_mask(ax, FA16_SET(20.0f), _CMP_NLE_UQ);
    if (__builtin_expect(odd != 0, 0)) {          /* rare: skip the selects */
        __mmask16 binf = _mm512_fpclass_ps_mask(b, 0x18);
        __m512 tiny = _mm512_mask_blend_ps(
            binf & _mm512_cmp_ps_mask(a, FA16_SET(FA16_GELU_ZERO_BELOW), _CMP_GE_OQ),
            FA16_SET(-0.0f), FA16_SET(-1.0f));
        __m512 g = _mm512_mask_mov_ps(a, _mm512_cmp_ps_mask(a, FA16_SET(-20.0f), _CMP_LT_OQ), tiny);
        y = _mm512_mask_mul_ps(y, odd, g, b);
    }
    return y;
}

/* D(u) e^(-u^2/2) = -gelu'(-u) for 0 <= u <= 20, D = R - u/sqrt(2 pi), as
 * 2^floor(kq) (qh + ql). D crosses 0 at u0 = 0.75179, where it is c1 t and
 * little else (its interval is centred on u0): so c1 t is exact (a product
 * and its FMA residual), c0 and c1 are float pairs, c0 + c1 t is summed by
 * 2Sum, and what the rest adds, t^2 (c2 + t (...)), is below a tenth of
 * D. Relative error (of max(|D|, 2^-10)): 7.6e-9 from the fit, 2^-28 from
 * the exponential, a few 2^-28 from the roundings. */
FA16_INLINE void fa16_gelu_d_neg(__m512 u, __m512* qh, __m512* ql, __m512* kq) {
    __m512i idx = fa16_gelu_interval(u);
    __m512 tl, t = fa16_gelu_t(FA16_GELU_D_CENTRE, idx, u, &tl);
    /* rows: c0 hi, c0 lo, c1 hi, c1 lo, c2 .. c6 */
    __m512 p = fa16_table_horner(FA16_GELU_D, 8, 4, idx, t);      /* c2 + t (c3 + ...) */
    __m512 c1 = fa16_table32(FA16_GELU_D[2], idx);
    __m512 c1l = fa16_table32(FA16_GELU_D[3], idx);
    __m512 ph = _mm512_mul_ps(c1, t);
    __m512 pl = _mm512_fmsub_ps(c1, t, ph);
    /* the small terms: t^2 p + c1 lo t + c1 tl + c0 lo + pl */
    __m512 lo = _mm512_fmadd_ps(c1l, t, _mm512_fmadd_ps(c1, tl, fa16_table32(FA16_GELU_D[1], idx)));
    lo = _mm512_fmadd_ps(_mm512_mul_ps(p, t), t, _mm512_add_ps(lo, pl));
    __m512 fh, fl;
    fa16_two_sum(fa16_table32(FA16_GELU_D[0], idx), ph, &fh, &fl);
    fa16_times_exp_minus_half_sq(fh, _mm512_add_ps(fl, lo), u, qh, ql, kq);
}

/* gelu'(x) gy:
 *   x < 0:  gelu' = D(u) e^(-u^2/2) = 2^floor(kq) (qh + ql);
 *   x >= 0: gelu' = 1 - D(u) e^(-u^2/2), 1 - q by Fast2Sum (|q| < 1/2);
 * times gy = m 2^ev (vgetmantps, vgetexpps), 2^ev (and x < 0's 2^floor(kq))
 * applied last: one rounding, whatever gy is. Where gy is 0, inf or NaN
 * or |x| > 20 or NaN, gy times gelu' by kind, as the float64 kernel gives:
 * 1 past 20, -0 below -40, and between, -0 for a finite gy (gy gelu' is
 * below the subnormals) but a negative number for an infinite one (gelu'
 * is not 0 in float64 there); NaN for NaN; elsewhere the quotient's sign. */
FA16_INLINE __m512 fa16_gelu_vjp(__m512 gy, __m512 x, float p) {
    (void)p;
    __m512 ax = _mm512_abs_ps(x);
    __m512 u = _mm512_min_ps(ax, FA16_SET(20.0f));
    __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 qh, ql, kq;
    fa16_gelu_d_neg(u, &qh, &ql, &kq);
    __m512 a, b;
    fa16_q_or_one_minus_q(qh, ql, kq, neg, &a, &b);
    __m512 m = fa16_mant(gy);
    __m512 ev = _mm512_getexp_ps(gy);
    __m512 y = _mm512_fmadd_ps(m, a, _mm512_mul_ps(m, b));
    y = _mm512_scalef_ps(y, _mm512_mask_add_ps(ev, neg, ev, kq));
    /* the special cases by kind (rare: the selects only where there are) */
    __mmask16 far = _mm512_cmp_ps_mask(ax, FA16_SET(20.0f), _CMP_NLE_UQ);
    __mmask16 odd = _mm512_fpclass_ps_mask(gy, 0x9f) | far;
    if (__builtin_expect(odd != 0, 0)) {
        __m512 g = _mm512_mask_mov_ps(a, far, FA16_SET(1.0f));
        __mmask16 below = _mm512_cmp_ps_mask(x, FA16_SET(-20.0f), _CMP_LT_OQ);
        __mmask16 ginf = _mm512_fpclass_ps_mask(gy, 0x18);
        g = _mm512_mask_mov_ps(g, below, _mm512_mask_blend_ps(ginf, FA16_SET(-0.0f), FA16_SET(-1.0f)));
        g = _mm512_mask_mov_ps(g, _mm512_cmp_ps_mask(x, FA16_SET(-40.0f), _CMP_LT_OQ), FA16_SET(-0.0f));
        g = _mm512_mask_mov_ps(g, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
        y = _mm512_mask_mul_ps(y, odd, gy, g);
    }
    return y;
}

#endif
